import { Construct } from 'constructs';
import { Resources } from '../core';
import { kube } from '../core/k8s';
import { Placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { componentName, defineComponent, harborImage, HarborContext, resourcesOr } from './context';

/** nginx serving the web UI; every writable path is under /tmp, the only writable mount. */
const NGINX_CONF = `worker_processes auto;
pid /tmp/nginx.pid;
events {
  worker_connections 1024;
}
http {
  client_body_temp_path /tmp/client_body_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  server {
    listen 8080;
    server_name localhost;
    root /usr/share/nginx/html;
    index index.html index.htm;
    include /etc/nginx/mime.types;
    gzip on;
    gzip_min_length 1000;
    gzip_proxied expired no-cache no-store private auth;
    gzip_types text/plain text/css application/json application/javascript application/x-javascript text/xml application/xml application/xml+rss text/javascript;
    location /devcenter-api-2.0 {
      try_files $uri $uri/ /swagger-ui-index.html;
    }
    location / {
      try_files $uri $uri/ /index.html;
    }
    location = /index.html {
      add_header Cache-Control "no-store, no-cache, must-revalidate";
    }
  }
}
`;

/** Harbor portal: the web UI's static files behind nginx, on IPv4 (an IPv6 listener crashes on IPv6-less nodes). */
export function definePortal(scope: Construct, ctx: HarborContext, props: { replicas: number; resources?: Resources }): Placement {
  const name = componentName(ctx, 'portal');
  kube(scope, 'Config', 'ConfigMap', { metadata: { name, namespace: ctx.namespace }, data: { 'nginx.conf': NGINX_CONF } });
  return defineComponent(scope, ctx, {
    component: 'portal',
    replicas: props.replicas,
    public: true,
    servicePorts: { http: 80 },
    peerPorts: [8080],
    containers: [{
      name: 'portal',
      image: harborImage(ctx, 'harbor-portal'),
      ports: { http: 8080 },
      mounts: [{ volume: 'config', path: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true }],
      probes: probesOf(httpGet('/', 'http'), 60),
      resources: resourcesOr(props.resources, ['50m', '500m', '32Mi', '128Mi']),
    }],
    volumes: [{ name: 'config', configMap: { name } }],
  });
}
