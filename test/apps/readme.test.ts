import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { CONFIG_VARIABLES } from '../../apps/default/config';

/** The README's row for a variable: name, default, meaning and what is allowed, as the errors say it. */
export function readmeRow(v: (typeof CONFIG_VARIABLES)[number]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return `| \`${v.name}\` | ${cell(v.default)} | ${cell(v.meaning)} | ${cell(v.allowed)} |`;
}

describe('README: the DOCKYARD_* variables', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

  test.each(CONFIG_VARIABLES.map((v) => [v.name, v]))('%s has its row, with the rule its error message states', (_, v) => {
    expect(readme).toContain(`${readmeRow(v)}\n`);
  });

  test('the table lists no variable the stack does not read', () => {
    const documented = [...readme.matchAll(/^\| `(DOCKYARD_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
  });
});

/**
 * The README's Drone examples, read as a user copies them: the database grant admits the namespace the migration
 * pipeline runs in, and that pipeline can pull its image (drone-runner-kube sets pod pull secrets only from the
 * pipeline's `image_pull_secrets`: engine/convert.go of v1.0.0-rc.5).
 */
describe('README: the Drone examples fit together', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const { parseAllDocuments } = require('yaml') as typeof import('yaml');

  test('the migration pipeline declares a pull secret it fetches, and runs on deploy events only', () => {
    const block = /```yaml\n(kind: secret\nname: db_password[\s\S]*?)```/.exec(readme)![1];
    const docs = parseAllDocuments(block).map((d) => d.toJS());
    const pipeline = docs.find((d) => d.kind === 'pipeline');
    const declared = docs.filter((d) => d.kind === 'secret').map((d) => d.name);
    expect(pipeline.image_pull_secrets.length).toBeGreaterThan(0);
    for (const name of pipeline.image_pull_secrets) {
      expect(declared).toContain(name);
    }
    expect(pipeline.trigger.event).not.toContain('pull_request');
  });

  test('the database grant admits the namespace the runner example pins the deploy pipeline to', () => {
    const granted = /appDb\.grantConnect\(NetworkPeer\.namespace\('([^']+)'\)\)/.exec(readme)![1];
    const policy = /runner\.addPolicy\(\{[^}]*namespace: '([^']+)'/.exec(readme)![1];
    expect(granted).toBe(policy);
  });
});

/**
 * The rotation table's rows are exactly the keys the default stack keeps, on either engine; its "data loss" rows
 * those that encrypt data kept elsewhere (`SecretValue.encrypting`), and its "reads it only on its first start" rows
 * those its consumer reads once (`SecretValue.readOnFirstStart`): the keys whose rotation prints a warning.
 */
describe('README: the rotation table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

  /** Every value of a generated Secret in the default stack on either engine, as `[<namespace>/<secret>/<key>, value]`. */
  function defaultStackValues() {
    const { App } = require('cdk8s') as typeof import('cdk8s');
    const { Secret } = require('../../lib') as typeof import('../../lib');
    const { defaultStack } = require('../../apps/default/stack') as typeof import('../../apps/default/stack');
    const { DEFAULT_CONFIG } = require('../../apps/default/config') as typeof import('../../apps/default/config');
    return (['drone', 'woodpecker'] as const).flatMap((ci) => {
      const app = new App({ outdir: '/nonexistent' });
      defaultStack(app, { ...DEFAULT_CONFIG, ci: ci as any });
      return app.node.findAll().filter((c): c is InstanceType<typeof Secret> => c instanceof Secret)
        .flatMap((s) => Object.entries(s.values).map(([key, value]) => [`${s.namespace}/${s.secretName}/${key}`, value] as const));
    });
  }

  test('marks data loss and first-start keys on exactly the keys that warn when rotated', () => {
    const encrypting = new Set<string>();
    const firstStart = new Set<string>();
    for (const [key, value] of defaultStackValues()) {
      if (value.encrypts !== undefined) encrypting.add(key);
      if (value.firstStartChange !== undefined) firstStart.add(key);
    }
    const lossRows = [...readme.matchAll(/^\| `([^`]+)` \|[^\n]*\*\*data loss\*\*/gm)].map((m) => m[1]);
    expect(lossRows.sort()).toEqual([...encrypting].sort());
    expect(lossRows).toEqual(expect.arrayContaining(['dockyard/drone-credentials/database-secret', 'harbor/harbor-core/secret-key']));
    // and the rows whose consumer reads the value only on its first start, the keys that warn how to change it first
    const firstStartRows = [...readme.matchAll(/^\| `([^`]+)` \|[^\n]*reads it only on its first start/gm)].map((m) => m[1]);
    expect(firstStartRows.sort()).toEqual([...firstStart].sort());
    expect(firstStartRows).toEqual(expect.arrayContaining(['dockyard/postgres-superuser/password', 'harbor/harbor-core/admin-password']));
  });

  test('has a row for every key the default stack keeps, on either engine, and none for a key it does not', () => {
    // the kept keys: drawn or read from a variable, not made from others (an htpasswd line follows its password's row)
    const kept = new Set(defaultStackValues().filter(([, value]) => Object.keys(value.sources).length === 0).map(([key]) => key));
    const table = readme.slice(readme.indexOf('What each key of the default stack protects'));
    const rows = table.slice(0, table.indexOf('\n\n', table.indexOf('| key |'))).split('\n').filter((l) => l.startsWith('| `'));
    // a row's first cell names one key or several, `dockyard/postgres-{drone,registry,demo}/password` for three
    const listed = rows.flatMap((l) => [...l.split(' | ')[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]))
      .flatMap((k) => {
        const brace = /\{([^}]+)\}/.exec(k);
        return brace ? brace[1].split(',').map((x) => k.replace(brace[0], x)) : [k];
      });
    expect(listed.sort()).toEqual([...kept].sort());
  });
});

/**
 * The README's way onto a cluster, in the order a new user runs it: the Secret created by hand lives in a namespace
 * the output creates, so it can only be created after an apply of the output (on a fresh cluster `kubectl create
 * secret` refuses it: namespaces "dockyard" not found), whether the files are applied one by one or as a folder.
 */
describe('README: applying dist/ to a fresh cluster', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Applying `dist/` to a cluster'), readme.indexOf('## Configuring the default stack'));

  test('the commands create drone-oauth after the apply that creates its namespace', () => {
    const lines = /```sh\n([\s\S]*?)```/.exec(section)![1].split('\n');
    const create = lines.findIndex((l) => /kubectl -n dockyard create secret generic drone-oauth/.test(l));
    const applyNamespaces = lines.findIndex((l) => /^kubectl apply -f dist\/dockyard\.k8s\.yaml/.test(l));
    expect(applyNamespaces).toBeGreaterThanOrEqual(0);
    expect(create).toBeGreaterThan(applyNamespaces);
  });

  // The block is marked sh, and a user's sh may be dash (Debian's and Ubuntu's /bin/sh), whose read takes -r alone as
  // POSIX's does: `read -rs` fails there ("read: Illegal option -s", dash 0.5.12, run below), and at an interactive
  // prompt the pasted secret then runs as a command line, echoed and kept in the history. Echo is turned off with
  // stty around a plain read instead (POSIX stty -echo).
  test('reads the OAuth client secret with POSIX sh: no read option but -r, echo off around it', () => {
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    const options = blocks.flatMap((b) => [...b.matchAll(/(?:^|[;|&]\s*|\b(?:do|while|until|then)\s+)read((?:\s+-[a-zA-Z]+)*)/gm)].map((m) => m[1].trim()));
    expect(options.length).toBeGreaterThanOrEqual(3); // the secret's, and the two image lists' while loops
    expect(options.filter((o) => o !== '' && o !== '-r')).toEqual([]);
    const line = /```sh\n([\s\S]*?)```/.exec(section)![1].split('\n').find((l) => /read -r CLIENT_SECRET/.test(l))!;
    expect(line).toMatch(/^stty -echo; read -r CLIENT_SECRET; stty echo; echo +#/);
    const dash = (command: string) => spawnSync('dash', ['-c', `${command}\nprintf '[%s]' "$CLIENT_SECRET"`], { input: 's3cret\n', encoding: 'utf8' });
    // without a terminal stty fails, and read still reads the line
    expect(dash(line.replace(/ *#.*$/, '')).stdout).toMatch(/\[s3cret\]$/);
    expect(dash('read -rs CLIENT_SECRET').stderr).toContain('read: Illegal option -s');
  });

  test('the folder apply is followed, not preceded, by creating drone-oauth', () => {
    const sentence = /Or apply the whole folder[^.]*\./.exec(section)![0];
    expect(sentence).not.toMatch(/after creating `drone-oauth`/);
    expect(sentence).toMatch(/then create\s+`drone-oauth`/);
  });
});

/**
 * What `kubectl apply --prune` prunes without `--prune-allowlist` (kubectl v0.36.3 pkg/util/prune/prune.go:29-50,
 * defaultNamespacedPruneResources and defaultNonNamespacedPruneResources), and that it refuses to run without `--all`
 * or a selector (pkg/cmd/apply/apply.go:435-437). The README must not send a user to it for what the example stacks
 * write outside that list: every such kind is named where the README says why not.
 */
describe('README: objects a synth no longer writes, and kubectl apply --prune', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const KUBECTL_DEFAULT_PRUNE = ['ConfigMap', 'Endpoints', 'PersistentVolumeClaim', 'Pod', 'ReplicationController', 'Secret', 'Service', 'Job',
    'CronJob', 'Ingress', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Namespace', 'PersistentVolume'];

  test('names every kind the example stacks write that kubectl apply --prune leaves, and never offers it bare', () => {
    const { EXAMPLE_STACKS } = require('../stacks') as typeof import('../stacks');
    const kinds = new Set<string>();
    for (const stack of EXAMPLE_STACKS.filter((s) => s.name === 'default' || s.name === 'teams')) {
      for (const o of stack.synth().objects) kinds.add(o.kind);
    }
    const left = [...kinds].filter((k) => !KUBECTL_DEFAULT_PRUNE.includes(k)).sort();
    expect(left).toEqual(expect.arrayContaining(['NetworkPolicy', 'Role', 'RoleBinding', 'ServiceAccount']));
    const paragraph = /\*\*What `kubectl apply` leaves behind\.\*\*[\s\S]*?\n\n/.exec(readme)![0].replace(/\s+/g, ' ');
    for (const kind of left) expect(paragraph).toContain(`${kind === 'NetworkPolicy' ? 'NetworkPolicie' : kind}s`);
    expect(paragraph).toContain('without `--all` or a label selector');
    // no advice to prune Dockyard's output with kubectl alone: each clause that names it says why not, or names the
    // kinds to prune (an app's own deploy pipeline, under DeployAccess)
    const offers = [...readme.matchAll(/[^.;:]*`kubectl apply --prune`[^.;:]*/g)].map((m) => m[0])
      .filter((s) => !/\bnot\b|no shortcut|--prune-allowlist/.test(s));
    expect(offers).toEqual([]);
  });

  test('quotes the delete commands\' line as the synth prints it, and says the mark lists the same commands', () => {
    const { goneObjects, leftObjectsCommands, objectList } = require('../../lib/core/left-objects') as typeof import('../../lib/core/left-objects');
    const printed = leftObjectsCommands(goneObjects(objectList(['rbac.authorization.k8s.io\tRole\tns\tr', '\tSecret\tns\ts']), []))!;
    expect(printed).toBe('to delete them: kubectl delete --ignore-not-found -n ns role.rbac.authorization.k8s.io/r secret/s');
    const paragraph = /\*\*What `kubectl apply` leaves behind\.\*\*[\s\S]*?\n\n/.exec(readme)![0].replace(/\s+/g, ' ');
    expect(paragraph).toContain('(`dockyard: to delete them: kubectl delete --ignore-not-found -n <namespace> <kind>[.<group>]/<name> …`)');
    expect(paragraph).toContain('`dist/.dockyard-output` lists the same commands');
  });
});

/**
 * The DigitalOcean kubeconfig holds a token of the cluster's admin (the provider's kube_config token). The README has
 * the user write it into the project directory: it must be written readable by the user alone, and git-ignored, so
 * that neither another account nor a `git add -A` gets it.
 */
describe('README: the DigitalOcean kubeconfig', () => {
  const root = path.join(__dirname, '../..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  test('is written with umask 077 to a git-ignored path', () => {
    const commands = [...readme.matchAll(/`([^`]*pulumi stack output kubeconfig --show-secrets > ([^\s)`]+)[^`]*)`/g)];
    expect(commands.length).toBeGreaterThan(0);
    const ignored = fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n');
    for (const [, command, file] of commands) {
      // the umask applies to a file the redirection creates; one that exists keeps its mode (POSIX open(2), O_CREAT
      // sets the mode only when it creates the file), such as a kubeconfig an earlier README had written 0644, so the
      // command removes it first
      expect(command).toMatch(new RegExp(`^\\(umask 077; rm -f ${file}; pulumi stack output kubeconfig --show-secrets > ${file}\\)`));
      expect(ignored).toContain(`/${file}`);
    }
  });
});

/**
 * What the README says a dump of the CI database holds in clear, against the upstream lines it cites and the
 * variables the default stacks set: woodpecker-ci/woodpecker v3.17.0 `server/services/setup.go:57-64` never builds the
 * encryption service that `cmd/server/flags.go:663-685` configures, and harness/harness v2.28.2
 * `cmd/drone-server/inject_store.go:157-180` encrypts the user table only with DRONE_DATABASE_ENCRYPT_USER_TABLE.
 */
describe('README: what a CI database dump holds in clear', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  // as one line: the README wraps its prose anywhere
  const section = readme.slice(readme.indexOf('## Backing up the databases'), readme.indexOf('**Back up** with')).replace(/\s+/g, ' ');

  test('cites why neither engine\'s tokens, nor Woodpecker\'s secrets, are encrypted, and the stacks set none of those variables', () => {
    expect(section).toContain('(`server/services/setup.go:57-64`, "TODO(1544): fix encrypted');
    // the four variables flags.go:663-685 reads, each named as one that does nothing
    for (const v of ['WOODPECKER_ENCRYPTION_KEY', 'WOODPECKER_ENCRYPTION_KEY_FILE', 'WOODPECKER_ENCRYPTION_TINK_KEYSET_FILE', 'WOODPECKER_ENCRYPTION_DISABLE']) {
      expect(section).toContain(`\`${v}\``);
    }
    expect(section).toMatch(/pipeline secret \(`server\/model\/secret\.go:52`\)/);
    expect(section).toContain('OAuth access and refresh token at the forge (`server/model/user.go:46-50`)');
    expect(section).toContain('`cmd/drone-server/inject_store.go:157-180`');
    const { App } = require('cdk8s') as typeof import('cdk8s');
    const { defaultStack } = require('../../apps/default/stack') as typeof import('../../apps/default/stack');
    const { DEFAULT_CONFIG, WOODPECKER_HOST } = require('../../apps/default/config') as typeof import('../../apps/default/config');
    for (const [ci, server, prefix] of [['drone', 'drone', 'DRONE_DATABASE_ENCRYPT'], ['woodpecker', 'woodpecker', 'WOODPECKER_ENCRYPTION']] as const) {
      // the README says "Dockyard sets no" / "sets none" for these: the rendered servers must agree
      const app = new App({ outdir: '/nonexistent' });
      defaultStack(app, ci === 'woodpecker' ? { ...DEFAULT_CONFIG, ci: ci as any, host: WOODPECKER_HOST } : DEFAULT_CONFIG);
      const deploy = app.charts.flatMap((c) => c.toJson()).find((o: any) => o.kind === 'Deployment' && o.metadata.name === server);
      const names: string[] = deploy.spec.template.spec.containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.name));
      expect(names.length).toBeGreaterThan(5);
      expect(names.filter((n) => n.startsWith(prefix))).toEqual([]);
    }
  });
});

/**
 * The README's backup and restore commands, as a user pastes them, against what the default stack renders with either
 * engine: `kubectl exec postgres-0` needs the StatefulSet `dockyard/postgres` of one replica and one container (exec
 * without `-c` picks the only one), `-U postgres` its superuser (`POSTGRES_USER`, which the official image's
 * docker-entrypoint.sh makes the initdb user), every database of the loop one the reconciler makes, every
 * `--role=<role> -d <database>` a role that reconciler makes own that database, and the scaled Deployments exist.
 */
describe('README: the database backup commands name what the default stack renders', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Backing up the databases'), readme.indexOf('## Upgrade notes'));
  const { App } = require('cdk8s') as typeof import('cdk8s');
  const { defaultStack } = require('../../apps/default/stack') as typeof import('../../apps/default/stack');
  const { DEFAULT_CONFIG, WOODPECKER_HOST } = require('../../apps/default/config') as typeof import('../../apps/default/config');
  const render = (ci: 'drone' | 'woodpecker') => {
    const app = new App({ outdir: '/nonexistent' });
    defaultStack(app, ci === 'woodpecker' ? { ...DEFAULT_CONFIG, ci: ci as any, host: WOODPECKER_HOST } : DEFAULT_CONFIG);
    return app.charts.flatMap((c) => c.toJson()) as any[];
  };
  const find = (objects: any[], kind: string, namespace: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
  // "-- database <db>, role <role>" heads each database's part of the reconciler's script
  const owners = (objects: any[]) => {
    const script: string = objects.find((o) => o.kind === 'ConfigMap' && o.data?.['reconcile.sh'])!.data['reconcile.sh'];
    return new Map([...script.matchAll(/^-- database (\S+), role (\S+)$/gm)].map((m) => [m[1], m[2]]));
  };

  test.each(['drone', 'woodpecker'] as const)('on %s', (ci) => {
    const objects = render(ci);
    const postgres = find(objects, 'StatefulSet', 'dockyard', 'postgres');
    expect(postgres.spec.replicas).toBe(1);
    expect(postgres.spec.template.spec.containers).toHaveLength(1);
    expect(postgres.spec.template.spec.initContainers ?? []).toEqual([]);
    const env = postgres.spec.template.spec.containers[0].env as any[];
    const superuser = env.find((e) => e.name === 'POSTGRES_USER').value;
    const databases = owners(objects);

    const execs = [...section.matchAll(/kubectl -n (\S+) exec (?:-i )?(\S+) -- (pg_dump|pg_restore) -U (\S+)/g)];
    expect(execs.length).toBe(4);
    for (const [, namespace, pod, , user] of execs) {
      expect([namespace, pod, user]).toEqual(['dockyard', 'postgres-0', superuser]);
    }
    // the loop's databases, with the engine's own in place of drone as its comment says
    const loop = /for db in ([^;]+); do {3}# woodpecker instead of drone on a Woodpecker stack/.exec(section)![1].split(' ');
    expect(loop.map((db) => (db === 'drone' ? ci : db)).sort()).toEqual([...databases.keys()].sort());
    // each restore's role owns its database; the Woodpecker comment's pair too
    const restores = [...section.matchAll(/--role=(\S+) -d (\S+) < (\S+)\.dump/g)].map((m) => [m[1], m[2], m[3]]);
    expect(restores.length).toBe(4);
    for (const [role, db, file] of restores) {
      if (db === 'drone' || db === 'woodpecker') {
        if (db !== ci) continue;
      }
      expect([db, role, file]).toEqual([db, databases.get(db), db]);
    }
    expect(restores.map((r) => r[1])).toContain(ci);
    // step 2's Deployments
    expect(section).toContain(`\`kubectl -n dockyard scale deployment drone --replicas=0\` (\`woodpecker\` on a Woodpecker`);
    expect(find(objects, 'Deployment', 'dockyard', ci)).toBeDefined();
    for (const name of /`kubectl -n harbor scale deployment ([a-z- ]+) --replicas=0`/.exec(section)![1].split(' ')) {
      expect([name, find(objects, 'Deployment', 'harbor', name) !== undefined]).toEqual([name, true]);
    }
  });
});

/**
 * The table of what `npm run synth` writes ("Applying `dist/` to a cluster") names every file and folder at the top of
 * the default stack's output, with either engine and with an image mirror (`images.pairs.txt`, which a new user met
 * in `dist/` with no word of it in the table).
 */
describe('README: the files npm run synth writes', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const { synthApp, defaults } = require('../registry/synth-app') as typeof import('../registry/synth-app');
  const { defaultStack } = require('../../apps/default/stack') as typeof import('../../apps/default/stack');
  const { CiEngineKind } = require('../../lib') as typeof import('../../lib');

  test.each([
    ['Drone', defaults()],
    ['Woodpecker', defaults({ ci: CiEngineKind.WOODPECKER })],
    ['a mirror', defaults({ imageMirror: 'mirror.example.com/airgap' })],
  ])('with %s, each top-level entry of dist/ has its row', (_, config) => {
    const section = /## Applying `dist\/` to a cluster\n([\s\S]*?)\n## /.exec(readme)![1];
    const rows = [...section.matchAll(/^\| `dist\/([^`]+)` \|/gm)].map((m) => m[1]);
    const written = synthApp((app) => defaultStack(app, config)).files;
    const top = [...new Set(written.map((f) => (f.includes('/') ? `${f.split('/')[0]}/` : f)))].sort();
    expect(top.filter((entry) => !rows.some((row) => row === entry || row.startsWith(entry)))).toEqual([]);
  });
});
