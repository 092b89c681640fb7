// WoodpeckerCi takes the server's settings and the build namespaces' settings among its own props and hands each on
// as it is: an engine renders its server and build namespaces exactly as the parts made alone with the same settings.
import { GitProvider, IngressTls, PodSecurityLevel, Postgres, Secret, ServerProtocol, ServiceExposure } from '../../lib';
import { WoodpeckerBuildNamespaces, WoodpeckerBuildOptions, WoodpeckerCi, WoodpeckerServer, WoodpeckerServerSettings } from '../../lib/woodpecker';
import { TrustBundle } from '../../lib/core/trust-bundle';
import { selfSignedCertificatePem } from '../../lib/core/x509';
import { generateKeyPairSync } from 'crypto';
import { synth, testChart } from '../util';

/** A value other than the default for every server setting; `namespace` differs from the chart's. */
function serverSettings(chart: ReturnType<typeof testChart>): Required<WoodpeckerServerSettings> {
  const postgres = new Postgres(chart, 'Postgres', { namespace: 'data' });
  return {
    host: 'ci.example.com:8443', protocol: ServerProtocol.HTTP, namespace: 'ci',
    gitProvider: GitProvider.github({
      clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'woodpecker-oauth', { namespace: 'ci' }).key('client-secret'),
    }),
    database: postgres.addDatabase('woodpecker'),
    admins: ['alice'], orgs: ['acme'], open: true, repoOwners: ['acme'], authenticatePublicRepos: true,
    exposure: ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }),
    // set apart: the server refuses it together with exposure (one of the two is passed at a time below)
    ingress: { className: 'traefik' },
    trustBundle: TrustBundle.fromPem(CA_PEM),
  };
}

const CA_PEM = selfSignedCertificatePem(generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey,
  { commonName: 'Test CA', days: 2, notBefore: new Date('2026-12-01T00:00:00Z') });

/**
 * A value other than the default for every build setting: two sets, as the Pod Security level shows only on build
 * namespaces the engine creates.
 */
const BUILD_OPTIONS: Required<WoodpeckerBuildOptions>[] = [false, true].map((create) => ({
  createBuildNamespaces: create, buildPodSecurity: PodSecurityLevel.RESTRICTED, buildEgress: { excludedCidrs: ['10.0.0.0/8'] },
  buildCpuLimit: '2', buildMemoryLimit: '3Gi', buildMaxCpu: '5', buildMaxMemory: '9Gi', buildEphemeralStorageLimit: '6Gi', buildMaxEphemeralStorage: '20Gi',
  buildQuota: { cpu: '3', memory: '5Gi', pods: 7 },
}));

/** The objects of a chart whose `component` label is `component`, without the NetworkPolicies agents add peers to. */
function component(objects: any[], name: string): any[] {
  return objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === name && o.kind !== 'NetworkPolicy');
}

describe('WoodpeckerCi hands on its server and build settings', () => {
  test.each(['exposure', 'ingress'] as const)('every server setting (with %s) reaches the server as if it were made alone', (exposed) => {
    const engineChart = testChart('other');
    const { exposure, ingress, ...settings } = serverSettings(engineChart);
    const exposing = exposed === 'exposure' ? { exposure } : { ingress };
    new WoodpeckerCi(engineChart, 'CI', { ...settings, ...exposing, server: { name: 'wood', maxConnections: 7 } });
    const aloneChart = testChart('other');
    const alone = serverSettings(aloneChart);
    new WoodpeckerServer(aloneChart, 'Server', {
      ...alone, ...(exposed === 'exposure' ? { ingress: undefined } : { exposure: undefined }), name: 'wood', maxConnections: 7,
    });
    const rendered = component(synth(engineChart), 'server');
    expect(rendered.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toContain('Ingress ci/wood');
    expect(rendered).toEqual(component(synth(aloneChart), 'server'));
  });

  test.each(BUILD_OPTIONS)('every build setting (createBuildNamespaces $createBuildNamespaces) reaches the builds as made alone', (options) => {
    const engineChart = testChart('ci');
    const { buildPodSecurity, ...withoutPodSecurity } = options;
    // a Pod Security level for namespaces the engine does not create is refused, so it comes only with them
    const build = options.createBuildNamespaces ? options : withoutPodSecurity;
    new WoodpeckerCi(engineChart, 'CI', { ...serverSettings(engineChart), ingress: undefined, ...build, buildNamespace: 'builds' });
    const aloneChart = testChart('ci');
    new WoodpeckerBuildNamespaces(aloneChart, 'Builds', { ...build, name: 'woodpecker-agent', namespace: 'ci', buildNamespace: 'builds' });
    const builds = (objects: any[]) => objects.filter((o) => o.metadata.namespace === 'builds' || o.kind === 'Namespace');
    const rendered = builds(synth(engineChart));
    expect(rendered.find((o) => o.kind === 'LimitRange').spec.limits[0].max).toEqual({ 'cpu': '5', 'memory': '9Gi', 'ephemeral-storage': '20Gi' });
    expect(rendered.find((o) => o.kind === 'LimitRange').spec.limits[0].default['ephemeral-storage']).toBe('6Gi');
    expect(rendered.find((o) => o.kind === 'ResourceQuota').spec.hard).toEqual({ 'requests.cpu': '3', 'requests.memory': '5Gi', 'pods': '7' });
    expect(rendered.filter((o) => o.kind === 'Namespace').map((n) => n.metadata.labels['pod-security.kubernetes.io/enforce']))
      .toEqual(options.createBuildNamespaces ? [buildPodSecurity] : []);
    expect(rendered).toEqual(builds(synth(aloneChart)));
  });
});
