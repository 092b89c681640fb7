import { Postgres, Resources } from '../../lib';
import { container, find, synth, testChart } from '../util';

describe('Resources', () => {
  test('renders requests and limits into the container', () => {
    const chart = testChart();
    const resources = Resources.of({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '64Mi', memoryLimit: '1Gi' });
    new Postgres(chart, 'Postgres', { resources });
    expect(container(find(synth(chart), 'StatefulSet', 'postgres')).resources)
      .toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '1Gi' } });
  });

  test('fails when a limit is below its request', () => {
    expect(() => Resources.of({ cpuRequest: '2', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '1Gi' }))
      .toThrow('invalid cpuLimit "500m": must be at least cpuRequest "2"');
    expect(() => Resources.of({ cpuRequest: '1', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '512Mi' }))
      .toThrow('invalid memoryLimit "512Mi": must be at least memoryRequest "1Gi"');
  });

  test('fails on zero requests and bad quantities', () => {
    expect(() => Resources.of({ cpuRequest: '0', cpuLimit: '1', memoryRequest: '64Mi', memoryLimit: '1Gi' }))
      .toThrow('invalid cpuRequest "0": must be greater than zero');
    expect(() => Resources.of({ cpuRequest: '1', cpuLimit: '1', memoryRequest: '64MB', memoryLimit: '1Gi' }))
      .toThrow(/invalid memoryRequest "64MB"/);
  });

  test('names a prop left out, and the props it was given instead, rather than "invalid cpuRequest undefined"', () => {
    expect(() => Resources.of({ cpu: '500M', memory: '1Gi' } as any)).toThrow(new Error(
      'missing cpuRequest: must be set: Resources.of takes cpuRequest, cpuLimit, memoryRequest, memoryLimit, not "cpu", "memory"'));
    expect(() => Resources.of({ cpuRequest: '1', cpuLimit: '1', memoryRequest: '1Gi' } as any)).toThrow(new Error(
      'missing memoryLimit: must be set: Resources.of takes cpuRequest, cpuLimit, memoryRequest, memoryLimit'));
  });

  test('fails on a CPU quantity with a decimal-SI multiplier, whatever the container', () => {
    // Kubernetes reads "1G" CPU as a billion cores: the likely intent is millicores
    expect(() => Resources.of({ cpuRequest: '100m', cpuLimit: '1G', memoryRequest: '64Mi', memoryLimit: '1Gi' })).toThrow(new Error(
      'invalid cpuLimit "1G": "G" multiplies by a billion, so this is 1 billion cores; CPU is given in cores ("2", "0.5") or millicores ("250m")'));
    expect(() => Resources.of({ cpuRequest: '100M', cpuLimit: '2', memoryRequest: '64Mi', memoryLimit: '1Gi' })).toThrow(new Error(
      'invalid cpuRequest "100M": "M" multiplies by a million, so this is 100 million cores; CPU is given in cores ("2", "0.5") or millicores ("250m"): ' +
      'did you mean "100m" (millicores)?'));
    // memory keeps them: 1G is a gigabyte
    expect(Resources.of({ cpuRequest: '100m', cpuLimit: '2', memoryRequest: '64M', memoryLimit: '1G' }).memoryLimit).toBe('1G');
  });
});
