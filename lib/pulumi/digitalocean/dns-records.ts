import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { checkBoolean, checkDnsSubdomain, checkInteger, invalid } from '../../core/validation';
import { checkNoSlash, claimFormerNames, formerNameAliases } from '../former-names';

/** Args of `DnsRecords`. */
export interface DnsRecordsArgs {
  /**
   * The domain in DigitalOcean DNS that holds the records (`doctl compute domain list`), e.g. `example.com`. Its
   * name servers must be DigitalOcean's for the records to resolve.
   */
  readonly dnsDomain: string;
  /** The fully qualified host names, each `dnsDomain` or inside it, e.g. `harbor.example.com`. */
  readonly hosts: readonly string[];
  /** The IPv4 address every host points at, e.g. the ingress Load Balancer's. */
  readonly ip: pulumi.Input<string>;
  /**
   * The records' time to live, in seconds; DigitalOcean accepts 30 or more.
   *
   * @default 300
   */
  readonly ttl?: number;
  /**
   * Whether each record aliases its former resource name, `<name>-<record>` with "." as "-" (`<name>-apex` for the
   * apex), so that a stack made before keeps it (README, "Upgrade notes"). Two components under one parent type can
   * share a former name (`dns` with host `harbor.ci.example.com`, `dns-harbor` with `ci.example.com`: both were
   * `dns-harbor-ci`), and the one declared first would take over the other's record, so the second is refused: move
   * each record your stack holds under a former name to its new one (`pulumi state rename`), then set this to
   * `false` on the refused component. A stack made since needs no alias.
   *
   * @default true
   */
  readonly aliasFormerNames?: boolean;
}

/**
 * One `A` record in a DigitalOcean domain for each host, all pointing at one address, such as `harbor` and `drone`
 * in `example.com` at the ingress Load Balancer. The address may stay unknown until the Load Balancer exists.
 */
export class DnsRecords extends pulumi.ComponentResource {
  /** The records, in the order of `hosts`. */
  public readonly records: digitalocean.DnsRecord[];
  /** The fully qualified names of the records. */
  public readonly fqdns: pulumi.Output<string>[];

  public constructor(name: string, args: DnsRecordsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything
    checkNoSlash(name, 'DnsRecords puts between its name and each record\'s');
    const domain = checkDnsSubdomain('dnsDomain', args.dnsDomain);
    if (args.hosts.length === 0) {
      invalid('hosts', args.hosts, 'must name at least one host');
    }
    const names = args.hosts.map((h) => recordName(checkDnsSubdomain('hosts', h), domain));
    if (new Set(names).size !== names.length) {
      invalid('hosts', args.hosts, 'must not repeat a host');
    }
    const ttl = args.ttl ?? 300;
    checkInteger('ttl', ttl, 30, 2147483647);
    const aliasFormerNames = checkBoolean('aliasFormerNames', args.aliasFormerNames ?? true);
    const formerNames = aliasFormerNames ? names.map((record) => `${name}-${record === '@' ? 'apex' : record.replace(/\./g, '-')}`) : [];
    checkFormerNames(name, args.hosts, names, formerNames, opts.parent);
    super('dockyard:digitalocean:DnsRecords', name, {}, opts);

    // named `<name>/<record>` (`<name>/@` for the apex): a record name holds no "/", so no two records share a name, as
    // `harbor.ci` and `harbor-ci` did when "." became "-" (their former names)
    const aliases = formerNameAliases(formerNames);
    this.records = names.map((record, i) => new digitalocean.DnsRecord(`${name}/${record}`, {
      domain, type: 'A', name: record, value: args.ip, ttl,
    }, { parent: this, aliases: aliases[i] ?? [] }));
    this.fqdns = this.records.map((r) => r.fqdn);
    this.registerOutputs({ fqdns: this.fqdns });
  }
}

/**
 * Refuse a former name another DnsRecords under the same parent types aliases too in this program (`claimFormerNames`,
 * as ChartDeployment refuses its provided Secrets'): the one registered first would take over the record a stack made
 * before holds for the other.
 */
function checkFormerNames(name: string, hosts: readonly string[], records: string[], formerNames: string[], parent: pulumi.Resource | undefined): void {
  const claims = formerNames.map((formerName, i) => ({ formerName, owner: name, what: `DnsRecords "${name}"'s record ${records[i]}` }));
  const conflict = claimFormerNames(parent, 'dockyard:digitalocean:DnsRecords', claims);
  if (conflict !== undefined) {
    const [claim, other] = conflict;
    invalid('hosts', hosts[claims.indexOf(claim)], `${other.what} had its former resource name "${claim.formerName}" too, and ` +
      'either would take over the other\'s: with pulumi state rename, move each record your stack holds under a former ' +
      `name to its new one (<component>/<record>), then set aliasFormerNames: false on DnsRecords "${name}"`);
  }
}

/** The record name of `host` relative to `domain`: `harbor` for `harbor.example.com` in `example.com`, `@` for the apex. */
export function recordName(host: string, domain: string): string {
  if (host === domain) {
    return '@';
  }
  if (!host.endsWith(`.${domain}`)) {
    invalid('hosts', host, `must be ${domain} or a name inside it`);
  }
  return host.slice(0, -domain.length - 1);
}
