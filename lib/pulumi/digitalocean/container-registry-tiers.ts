// The Container Registry's tiers, apart from the component, which loads @pulumi/digitalocean: the DigitalOcean
// program's settings check a tier before any provider is loaded.

/** DOCR subscription tiers: starter (1 repo, 500 MiB, free), basic (5 repos, 5 GiB), professional (do.md §1.6). */
export const DOCR_TIERS: readonly string[] = ['starter', 'basic', 'professional'];
