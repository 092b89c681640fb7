import { invalid } from '../core';
import { rollingPods } from '../core/deployment';

/** The pods that open PostgreSQL connections, and how many each runs. */
export interface ConnectionBudgetInput {
  /** The database's connection limit, if it has one. */
  readonly connectionLimit: number | undefined;
  /** Replicas per component that connects: core, jobservice, exporter. */
  readonly replicas: Record<string, number>;
  /** The fewest connections a pod can work with. */
  readonly minimumPerPod: number;
  /** The pool size when the database sets no limit. */
  readonly unlimitedPerPod: number;
}

/**
 * Each pod's `maxOpenConns`: the database's connection limit shared evenly by every pod that connects, counting the
 * pods a rollout adds (`rollingPods`: the connecting Deployments roll without surge, but a single replica's successor
 * starts while it runs), so that a config change or an upgrade never runs the database out of connections.
 *
 * Harbor's chart defaults to 900 per pod, against managed plans that allow 22. Throws when the limit cannot give
 * every pod at least `minimumPerPod`, naming the components and their replicas.
 */
export function connectionBudget(input: ConnectionBudgetInput): number {
  const replicas = Object.values(input.replicas).reduce((a, b) => a + b, 0);
  const pods = Object.values(input.replicas).reduce((a, b) => a + rollingPods(b, true), 0);
  if (input.connectionLimit === undefined) {
    return input.unlimitedPerPod;
  }
  const perPod = Math.floor(input.connectionLimit / pods);
  if (perPod < input.minimumPerPod) {
    const who = Object.entries(input.replicas).filter(([, n]) => n > 0).map(([c, n]) => `${n} ${c}`).join(' + ');
    const rolling = pods > replicas ? `, and ${pods - replicas} more while a single replica rolls` : '';
    invalid('database.connectionLimit', input.connectionLimit, `must give each of the ${pods} pods that connect (${who}${rolling}) at least ` +
      `${input.minimumPerPod} connections, i.e. be at least ${pods * input.minimumPerPod}; raise the limit or lower the replicas`);
  }
  return perPod;
}
