export * from './configuration';
export * from './exposure';
export * from './harbor';
export * from './oidc';
export * from './project-member';
export * from './storage';
export { CONFIGURE_IMAGE } from './configure-job';
export { TRIVY_UPSTREAM_DATABASES } from './trivy';
