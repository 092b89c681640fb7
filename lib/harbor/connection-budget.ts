import { invalid } from '../core';
import { rollingPods } from '../core/deployment';

/** The pods that open PostgreSQL connections, and how many each runs. */
export interface ConnectionBudgetInput {
  /** The database's connection limit, if it has one. */
  readonly connectionLimit: number | undefined;
  /** The database's name, which the refusal names. */
  readonly databaseName: string;
  /** Replicas per component that connects: core, jobservice, exporter. */
  readonly replicas: Readonly<Record<string, number>>;
  /**
   * The components whose old pods keep their connections through their grace period, as their jobs finish: each
   * counts twice its replicas while it rolls (`rollingPods`).
   *
   * @default - none
   */
  readonly lingering?: readonly string[];
  /** The fewest connections a pod can work with. */
  readonly minimumPerPod: number;
  /** The pool size when the database sets no limit. */
  readonly unlimitedPerPod: number;
}

/**
 * Each pod's `maxOpenConns`: the database's connection limit shared evenly by every pod that connects, counting the
 * pods a rollout adds (`rollingPods`), so that a config change or an upgrade does not run the database out of
 * connections while old and new pods both hold their pools, and every old pod of a `lingering` component besides.
 *
 * Harbor's chart defaults to 900 per pod, against managed plans that allow 22. Throws when the limit cannot give
 * every pod at least `minimumPerPod`, naming the components and their replicas, and where the limit comes from: a
 * database made without a `connectionLimit` gets a default share (`defaultConnectionLimit`), which the caller who set
 * none would not know to look for.
 */
export function connectionBudget(input: ConnectionBudgetInput): number {
  const active = Object.entries(input.replicas).filter(([, n]) => n > 0);
  const replicas = active.reduce((a, [, n]) => a + n, 0);
  const pods = active.reduce((a, [c, n]) => a + rollingPods(n, input.lingering?.includes(c) ?? false), 0);
  if (input.connectionLimit === undefined) {
    return input.unlimitedPerPod;
  }
  const perPod = Math.floor(input.connectionLimit / pods);
  if (perPod < input.minimumPerPod) {
    const who = active.map(([c, n]) => `${n} ${c}`).join(' + ');
    invalid('database.connectionLimit', input.connectionLimit, `must give each of the ${pods} pods that connect (${who}, and ` +
      `${pods - replicas} more while they roll) at least ${input.minimumPerPod} connections, i.e. be at least ` +
      `${pods * input.minimumPerPod}; raise the limit or lower the replicas (the limit is database "${input.databaseName}"'s ` +
      'connectionLimit; one made without it, by Postgres.addDatabase or ExternalPostgres, gets a quarter of what its server\'s ' +
      'maxConnections leaves)');
  }
  return perPod;
}
