import { container, find, synth, testChart } from '../util';
import { inClusterHarbor, managedHarbor } from './fixtures';

// Harbor reads from the environment only its system settings: core's configuration manager loads the defaults, then the
// variables of the SystemScope items (goharbor/harbor v2.15.1 src/pkg/config/db/manager.go:42-44,
// src/pkg/config/manager.go:60-75 LoadSystemConfigFromEnv), and the user settings from the database alone; jobservice
// takes its settings from core (src/pkg/config/rest/manager.go). A user setting's variable (READ_ONLY,
// ROBOT_NAME_PREFIX, TOKEN_EXPIRATION, ...) on a pod would do nothing, silently: such settings go through the API (the
// configure Jobs) or CONFIG_OVERWRITE_JSON. The EnvKey of every UserScope item of
// src/lib/config/metadata/metadatalist.go at v2.15.1:
const USER_SCOPE_VARIABLES = [
  'AUTH_MODE', 'PRIMARY_AUTH_MODE', 'LDAP_BASE_DN', 'LDAP_FILTER', 'LDAP_GROUP_BASE_DN', 'LDAP_GROUP_ADMIN_DN', 'LDAP_GROUP_GID',
  'LDAP_GROUP_FILTER', 'LDAP_GROUP_SCOPE', 'LDAP_SCOPE', 'LDAP_SEARCH_DN', 'LDAP_SEARCH_PWD', 'LDAP_TIMEOUT', 'LDAP_UID', 'LDAP_URL',
  'LDAP_VERIFY_CERT', 'LDAP_GROUP_MEMBERSHIP_ATTRIBUTE', 'LDAP_GROUP_ATTACH_PARALLEL', 'PROJECT_CREATION_RESTRICTION', 'READ_ONLY',
  'SELF_REGISTRATION', 'TOKEN_EXPIRATION', 'UAA_CLIENTID', 'UAA_CLIENTSECRET', 'UAA_ENDPOINT', 'UAA_VERIFY_CERT', 'ROBOT_TOKEN_DURATION',
  'ROBOT_NAME_PREFIX', 'NOTIFICATION_ENABLE', 'QUOTA_PER_PROJECT_ENABLE', 'STORAGE_PER_PROJECT', 'PULL_TIME_UPDATE_DISABLE',
  'PULL_COUNT_UPDATE_DISABLE', 'PULL_AUDIT_LOG_DISABLE', 'AUDIT_LOG_FORWARD_ENDPOINT', 'SKIP_LOG_AUDIT_DATABASE',
  'SCANNER_SKIP_UPDATE_PULL_TIME', 'AUDIT_LOG_EVENTS_DISABLED', 'SESSION_TIMEOUT', 'BANNER_MESSAGE',
];

describe.each([
  ['in-cluster PostgreSQL and Redis', inClusterHarbor],
  ['managed PostgreSQL, Valkey and Spaces', managedHarbor],
])('Harbor\'s settings, on %s', (_, harbor) => {
  test('core and jobservice get no variable of a user setting, which Harbor would ignore', () => {
    const chart = testChart('harbor');
    harbor(chart);
    const objects = synth(chart);
    for (const name of ['harbor-core', 'harbor-jobservice']) {
      const c = container(find(objects, 'Deployment', name));
      // every variable in env, where this test reads them
      expect(c.envFrom).toBeUndefined();
      const names: string[] = (c.env ?? []).map((e: any) => e.name);
      // the variables are there to look at: the list is not vacuous
      expect(names).toContain('CORE_SECRET');
      expect(names.filter((n) => USER_SCOPE_VARIABLES.includes(n))).toEqual([]);
    }
  });
});
