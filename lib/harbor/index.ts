export * from './configuration';
export * from './exposure';
export * from './harbor';
export * from './storage';
export { CONFIGURE_IMAGE } from './configure-job';
