// Imports nothing: the tests' environment cleaning (test/clean-env.ts) reads it before every test file, where loading
// the library would cost each file its load time and come before the file's own jest.mock calls.

/**
 * The variables read outside the stacks' configuration table: by `npm test`'s prerequisite check
 * (`scripts/test-prerequisites.sh`) and by the policy suite (`test/policy/checks/schema.ts`, and the Gateway API CRDs
 * beside the schemas).
 */
export const OTHER_VARIABLES: readonly string[] = ['DOCKYARD_NO_INSTALL', 'DOCKYARD_K8S_SCHEMAS', 'DOCKYARD_K8S_CRDS'];
