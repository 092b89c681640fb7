import { describeValue, ValidationError } from '../core';
import { rollingPods } from '../core/deployment';

/**
 * The refusal of a connection limit too small for the pods that share it: a `ValidationError` that also gives the
 * limit and what it must hold (`need`, the message's rule without its remedy), so that a program which reads the
 * limit from a setting of its own (the DigitalOcean program's `valkeyMaxClients`) can refuse that setting with its own
 * remedy, where the library's names a prop its user never wrote.
 */
export class ConnectionLimitError extends ValidationError {
  public constructor(
    prop: string,
    /** The limit refused. */
    public readonly limit: number,
    /** What the limit must hold, e.g. `must give each of the 4 pods that connect (…) at least 5 connections, i.e. be at least 20`. */
    public readonly need: string,
    remedy: string,
  ) {
    // the words `invalid` writes
    super(`invalid ${prop} ${describeValue(limit)}: ${need}; ${remedy}`, prop, `${need}; ${remedy}`);
  }
}

/** The pods that connect to one server with a connection limit, and how many connections each opens. */
export interface SharedLimitInput {
  /** The server's connection limit, if it has one. */
  readonly limit: number | undefined;
  /** The prop the limit comes from, which the refusal names, e.g. `database.connectionLimit`. */
  readonly prop: string;
  /** Replicas per component that connects, e.g. core, jobservice, exporter. */
  readonly replicas: Readonly<Record<string, number>>;
  /**
   * The components whose old pods keep their connections through their grace period, as their jobs finish: each
   * counts twice its replicas while it rolls (`rollingPods`).
   *
   * @default - none
   */
  readonly lingering?: readonly string[];
  /**
   * Pools per pod of each component that the share sizes (Harbor's core opens three go-redis clients on one URL).
   *
   * @default - one per pod of every component
   */
  readonly pools?: Readonly<Record<string, number>>;
  /**
   * Connections per pod of each component that the share does not size: pools Harbor sets itself, counted at their
   * most.
   *
   * @default - none
   */
  readonly fixed?: Readonly<Record<string, number>>;
  /**
   * Connections of the limit kept free for clients outside the pods, and who they are for: the server counts every
   * connection against its limit, an operator's and the provider's own too.
   *
   * @default - none
   */
  readonly reserved?: { readonly connections: number; readonly for: string };
  /** The fewest connections a pool can work with. */
  readonly minimumPerPool: number;
  /** The refusal's closing words: what to raise or lower, and where the limit comes from. */
  readonly remedy: string;
}

/**
 * Each pool's size: what the server's connection limit leaves after the `reserved` and `fixed` connections, shared evenly by every
 * pool of every pod that connects, counting the pods a rollout adds (`rollingPods`), so that a config change or an
 * upgrade does not run the server out of connections while old and new pods both hold their pools, and every old
 * pod of a `lingering` component besides. Undefined when the server sets no limit.
 *
 * Harbor's chart defaults to 900 PostgreSQL connections per pod, and its registry to 500 Redis connections, against
 * managed plans that allow 22 and a few hundred. Throws a `ConnectionLimitError` when the limit cannot give every pool
 * at least `minimumPerPool`, naming the components and their replicas, and ending with `remedy`.
 */
export function shareConnectionLimit(input: SharedLimitInput): number | undefined {
  const active = Object.entries(input.replicas).filter(([, n]) => n > 0);
  const replicas = active.reduce((a, [, n]) => a + n, 0);
  const podsOf = (c: string, n: number) => rollingPods(n, input.lingering?.includes(c) ?? false);
  const pods = active.reduce((a, [c, n]) => a + podsOf(c, n), 0);
  const pools = active.reduce((a, [c, n]) => a + podsOf(c, n) * (input.pools?.[c] ?? 1), 0);
  const fixed = active.reduce((a, [c, n]) => a + podsOf(c, n) * (input.fixed?.[c] ?? 0), 0);
  if (input.limit === undefined) {
    return undefined;
  }
  const reserved = input.reserved?.connections ?? 0;
  const perPool = Math.floor((input.limit - reserved - fixed) / pools);
  if (perPool < input.minimumPerPool) {
    const who = active.map(([c, n]) => `${n} ${c}`).join(' + ');
    const roll = `${who}, and ${pods - replicas} more while they roll`;
    const least = `at least ${input.minimumPerPool} connections, i.e. be at least ${reserved + fixed + pools * input.minimumPerPool}`;
    const keep = reserved > 0 ? `keep ${reserved} connections free for ${input.reserved!.for}, ` : '';
    throw new ConnectionLimitError(input.prop, input.limit, pools === pods && fixed === 0
      ? `must ${keep}${keep ? 'and ' : ''}give each of the ${pods} pods that connect (${roll}) ${least}`
      : `must ${keep}hold the ${fixed} connections that the ${pods} pods that connect (${roll}) open whatever their pools, and give each ` +
        `of their ${pools} pools ${least}`, input.remedy);
  }
  return perPool;
}

/** The pods that open PostgreSQL connections, and how many each runs. */
export interface ConnectionBudgetInput {
  /** The database's connection limit, if it has one. */
  readonly connectionLimit: number | undefined;
  /** The database's name, which the refusal names. */
  readonly databaseName: string;
  /** Replicas per component that connects: core, jobservice, exporter. */
  readonly replicas: Readonly<Record<string, number>>;
  /**
   * The components whose old pods keep their connections through their grace period (`SharedLimitInput.lingering`).
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
 * Each pod's `maxOpenConns`: the database's connection limit shared evenly by every pod that connects
 * (`shareConnectionLimit`), one pool each.
 *
 * A database made without a `connectionLimit` gets a default share (`defaultConnectionLimit`), which the caller who
 * set none would not know to look for: the refusal says where the limit comes from.
 */
export function connectionBudget(input: ConnectionBudgetInput): number {
  return shareConnectionLimit({
    limit: input.connectionLimit,
    prop: 'database.connectionLimit',
    replicas: input.replicas,
    lingering: input.lingering,
    minimumPerPool: input.minimumPerPod,
    remedy: `raise the limit or lower the replicas (the limit is database "${input.databaseName}"'s connectionLimit; one made ` +
      'without it, by Postgres.addDatabase or ExternalPostgres, gets a quarter of what its server\'s maxConnections leaves)',
  }) ?? input.unlimitedPerPod;
}
