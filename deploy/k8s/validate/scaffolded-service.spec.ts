import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addToK8sBase } from '../../../scripts/new-service/k8s-base';
import { NewServiceError, serviceNames } from '../../../scripts/new-service/naming';
import { containersOf, K8S_DIRECTORY, KubeObject, modelOf, renderKustomization } from './kustomize-lite';

/**
 * What `npm run new:service -- billing-service` writes into deploy/k8s (scripts/new-service/k8s-base.ts),
 * in a copy of this repository's manifests: both overlays still render, every object passes its schema,
 * and the service is deployed like order-service, registered by a Job, let through to user-service.
 */
describe('deploy/k8s after npm run new:service -- billing-service', () => {
  const n = serviceNames('billing-service');
  let root: string;
  let written: string[];
  const original = (file: string) => readFileSync(join(K8S_DIRECTORY, file), 'utf8');
  const copy = (file: string) => readFileSync(join(root, 'deploy/k8s', file), 'utf8');

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'k8s-scaffold-'));
    cpSync(K8S_DIRECTORY, join(root, 'deploy/k8s'), { recursive: true });
    written = addToK8sBase(root, n, 3003);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes its manifest, and edits the kustomization, the network policy, the prod workload identity and the dev Secrets, keeping their comments', () => {
    expect(written).toEqual([
      'deploy/k8s/base/billing-service.yaml',
      'deploy/k8s/base/kustomization.yaml',
      'deploy/k8s/base/network-policy.yaml',
      'deploy/k8s/overlays/prod/workload-identity.patch.yaml',
      'deploy/k8s/overlays/prod/workload-identity.yaml',
      'deploy/k8s/overlays/dev/secrets.yaml',
    ]);
    // Each edited file is the original with lines added, never one changed or dropped.
    for (const file of ['base/kustomization.yaml', 'base/network-policy.yaml', 'overlays/prod/workload-identity.patch.yaml', 'overlays/prod/workload-identity.yaml', 'overlays/dev/secrets.yaml']) {
      const before = original(file).split('\n').filter(Boolean);
      const after = copy(file).split('\n');
      let next = 0;
      for (const line of after) if (line === before[next]) next += 1;
      expect({ file, kept: next }).toEqual({ file, kept: before.length });
    }
    expect(copy('base/kustomization.yaml')).toContain('  - billing-service.yaml\n');
  });

  it.each(['dev', 'prod'])('the %s overlay renders, every object passing the Kubernetes schema of its kind', (overlay) => {
    const objects = renderKustomization(join(root, 'deploy/k8s/overlays', overlay));
    for (const object of objects) expect(() => modelOf(object).validate()).not.toThrow();
    const names = objects.filter((o) => o.metadata.name.startsWith('billing-service')).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.sort()).toEqual(
      [
        'Deployment/billing-service',
        'HorizontalPodAutoscaler/billing-service',
        'Job/billing-service-registration',
        'PodDisruptionBudget/billing-service',
        'Service/billing-service',
        ...(overlay === 'dev' ? ['Secret/billing-service-credentials'] : ['ServiceAccount/billing-service']),
      ].sort(),
    );
    if (overlay === 'dev') expect(objects.every((o) => o.metadata.namespace === 'oauth-dev')).toBe(true);
  });

  it('runs its app on its port with its secret, probed like the others, and a Job that registers it with the same secret', () => {
    const objects = renderKustomization(join(root, 'deploy/k8s/overlays/dev'));
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as KubeObject;
    const [app] = containersOf(find('Deployment', 'billing-service')) as Record<string, any>[];
    expect(app!.command).toEqual(['node', 'dist/apps/billing-service/src/main.js']);
    expect(app!.ports).toEqual(expect.arrayContaining([{ name: 'http', containerPort: 3003 }, { name: 'metrics', containerPort: 9464 }]));
    expect(app!.env).toEqual(
      expect.arrayContaining([
        { name: 'BILLING_SERVICE_PORT', value: '3003' },
        { name: 'BILLING_SERVICE_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'billing-service-credentials', key: 'BILLING_SERVICE_CLIENT_SECRET' } } },
      ]),
    );
    expect(app!.readinessProbe.httpGet).toMatchObject({ path: '/health/ready', port: 'http' });
    expect(app!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });

    const [job] = containersOf(find('Job', 'billing-service-registration')) as Record<string, any>[];
    expect(job!.command).toEqual(['node', 'dist/scripts/register-service.js', 'billing-service']);
    // Not seeding (the dev overlay seeds at the auth-server): the CLI then needs no demo secrets.
    expect(job!.env).toEqual(expect.arrayContaining([{ name: 'SEED_DEMO_DATA', value: 'false' }]));
    const secretNames = (job!.env as { name: string; valueFrom?: { secretKeyRef: { name: string } } }[])
      .filter((e) => e.valueFrom)
      .map((e) => `${e.valueFrom!.secretKeyRef.name}:${e.name}`);
    expect(secretNames.sort()).toEqual(
      ['database:DATABASE_URL', 'auth-server-secrets:KEY_ENCRYPTION_KEY', 'auth-server-secrets:CLIENT_SECRET_PEPPER', 'billing-service-credentials:BILLING_SERVICE_CLIENT_SECRET'].sort(),
    );
    const secret = find('Secret', 'billing-service-credentials') as any;
    expect(secret.stringData.BILLING_SERVICE_CLIENT_SECRET).toMatch(/change-me/);
  });

  it('prod: secretless like order-service: its projected token, no secret anywhere, a Job registering it as a federated client', () => {
    const objects = renderKustomization(join(root, 'deploy/k8s/overlays/prod'));
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'platform-config') as any;
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'billing-service') as any;
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('billing-service');
    const [app] = containersOf(deployment) as Record<string, any>[];
    expect(app!.env).toEqual(expect.arrayContaining([{ name: 'BILLING_SERVICE_CLIENT_ASSERTION_FILE', value: '/var/run/secrets/tokens/auth-server' }]));
    const volume = pod.volumes.find((v: any) => v.name === 'workload-token');
    expect(volume.projected.sources).toEqual([{ serviceAccountToken: { path: 'auth-server', audience: config.data.ISSUER, expirationSeconds: 600 } }]);
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'billing-service-registration')!;
    const [register] = containersOf(job) as Record<string, any>[];
    expect(register!.env).toEqual(expect.arrayContaining([{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]));
    // register-service.js then binds system:serviceaccount:<NAMESPACE>:billing-service of WORKLOAD_ISSUER.
    expect(config.data.WORKLOAD_ISSUER).toMatch(/^https:/);
    expect(JSON.stringify(objects).match(/[A-Z_]*CLIENT_SECRET(?!_PEPPER)[A-Z_]*/g) ?? []).toEqual([]);
  });

  it('lets its pods reach user-service, which it calls, next to order-service', () => {
    const objects = renderKustomization(join(root, 'deploy/k8s/overlays/prod'));
    const policy = objects.find((o) => o.kind === 'NetworkPolicy') as any;
    expect(policy.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'order-service' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'billing-service' } } },
    ]);
  });

  it('refuses a service whose manifest exists, and writes nothing into a checkout without a Kubernetes base', () => {
    expect(() => addToK8sBase(root, n, 3003)).toThrow(NewServiceError);
    expect(copy('base/kustomization.yaml').match(/billing-service\.yaml/g)).toHaveLength(1);
    const bare = mkdtempSync(join(tmpdir(), 'no-k8s-'));
    try {
      expect(addToK8sBase(bare, n, 3003)).toEqual([]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
