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
});
