import { OTHER_VARIABLES } from '../apps/shared/other-variables';

// A developer's shell may export the stacks' DOCKYARD_* variables (the README has DOCKYARD_STATE point at a state to
// restore); a test sets what it needs itself, and one of them set from outside would change what synths do and say
// (the store's DOCKYARD_STATE warning, a rotation, a mirror). They are dropped here, in every test file's process;
// the test machinery's own (OTHER_VARIABLES: the prerequisite check, the schemas' folders) stay.
for (const name of Object.keys(process.env)) {
  if (name.toUpperCase().startsWith('DOCKYARD_') && !OTHER_VARIABLES.includes(name)) {
    delete process.env[name];
  }
}
