import { DropletSlug } from '@pulumi/digitalocean/types/enums';
import { checkDropletSize } from '../../../lib/pulumi/digitalocean/droplet-size';

describe('checkDropletSize', () => {
  // every size of the provider's `DropletSlug` enum (@pulumi/digitalocean types/enums/index.d.ts) but the legacy
  // ones without a family (`512mb`, `2gb`…), which DOKS node pools don't offer
  const sizes = Object.values(DropletSlug).filter((size) => size.includes('-'));

  test('accepts every Droplet size of the provider, such as so1_5-2vcpu-16gb and gpu-h100x1-80gb', () => {
    expect(sizes).toEqual(expect.arrayContaining(['s-2vcpu-4gb', 'c-2', 'g-4vcpu-16gb', 'so1_5-2vcpu-16gb', 'gpu-h100x1-80gb']));
    for (const size of sizes) expect(checkDropletSize('nodeSize', size)).toBe(size);
  });

  test.each(['S-2vcpu-4gb', 's-2vcpu 4gb', ' s-2vcpu-4gb', '2gb', 's-', '-2vcpu-4gb', 's--4gb', 's_2vcpu_4gb', ''])('refuses %j, naming the prop', (size) => {
    expect(() => checkDropletSize('size', size))
      .toThrow(`invalid size ${JSON.stringify(size)}: must be a DigitalOcean Droplet size slug in lower case, such as "s-2vcpu-4gb", "c-2" or "g-4vcpu-16gb"`);
  });
});
