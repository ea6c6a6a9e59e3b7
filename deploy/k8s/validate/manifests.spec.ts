import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_PRODUCTION_METRICS_PORT } from '../../../libs/platform/src/http-platform.config';
import { trustProxyFrom } from '../../../libs/platform/src/trust-proxy';
import { containersOf, K8S_DIRECTORY, KubeObject, modelOf, renderKustomization } from './kustomize-lite';

const OVERLAYS = ['dev', 'prod'] as const;
const APPS = ['auth-server', 'user-service', 'order-service'] as const;
const KUBECTL = '/usr/bin/kubectl';
if (!existsSync(KUBECTL)) console.warn('SKIPPED kubectl kustomize comparison: kubectl is not installed');

const byKind = (objects: KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
const key = (object: KubeObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

describe.each(OVERLAYS)('Kubernetes manifests, %s overlay', (overlay) => {
  const objects = renderKustomization(join(K8S_DIRECTORY, 'overlays', overlay));

  it('renders objects that each pass the Kubernetes schema of their kind', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      expect(() => modelOf(object).validate()).not.toThrow();
    }
    expect(new Set(objects.map(key)).size).toBe(objects.length);
  });

  // Reported as skipped (not passed) on a machine without kubectl.
  (existsSync(KUBECTL) ? it : it.skip)('matches `kubectl kustomize` (the real renderer, offline)', () => {
    const rendered = execFileSync(KUBECTL, ['kustomize', join(K8S_DIRECTORY, 'overlays', overlay)], { encoding: 'utf8' });
    const expected = parseAllDocuments(rendered).map((document) => document.toJSON() as KubeObject);
    const sorted = (list: KubeObject[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted(objects)).toEqual(sorted(expected));
  });

  it.each(APPS)('%s: probes, resources, HPA and PDB', (app) => {
    const deployment = find(objects, 'Deployment', app)!;
    expect(deployment).toBeDefined();
    const [container] = containersOf(deployment) as Record<string, any>[];
    expect(container!.readinessProbe.httpGet).toMatchObject({ path: '/health/ready', port: 'http' });
    expect(container!.livenessProbe.httpGet).toMatchObject({ path: '/health/live', port: 'http' });
    expect(container!.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(container!.resources.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
    expect(container!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });

    const hpa = byKind(objects, 'HorizontalPodAutoscaler').find((candidate: any) => candidate.spec.scaleTargetRef.name === app) as any;
    expect(hpa?.spec.scaleTargetRef.kind).toBe('Deployment');
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);

    const podLabels = (deployment.spec as any).template.metadata.labels;
    const pdb = byKind(objects, 'PodDisruptionBudget').find((candidate: any) =>
      Object.entries(candidate.spec.selector.matchLabels).every(([label, value]) => podLabels[label] === value),
    );
    expect(pdb).toBeDefined();
  });

  // Issue 10 finding 6: /metrics was public on the OAuth port. Each app serves it on METRICS_PORT only.
  it.each(APPS)('%s: /metrics on its own port (METRICS_PORT), which its Service does not expose', (app) => {
    const config = find(objects, 'ConfigMap', 'platform-config') as any;
    const metricsPort = Number(config.data.METRICS_PORT);
    expect(metricsPort).toBeGreaterThan(0);
    const deployment = find(objects, 'Deployment', app)! as any;
    const [container] = containersOf(deployment) as Record<string, any>[];
    expect(container!.envFrom).toEqual(expect.arrayContaining([{ configMapRef: { name: 'platform-config' } }]));
    const ports = container!.ports as { name: string; containerPort: number }[];
    expect(ports).toEqual(expect.arrayContaining([{ name: 'metrics', containerPort: metricsPort }]));
    expect(ports.find((port) => port.name === 'http')!.containerPort).not.toBe(metricsPort);
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort) });
    const service = find(objects, 'Service', app) as any;
    for (const port of service.spec.ports) {
      expect(port.targetPort).not.toBe('metrics');
      expect(port.targetPort).not.toBe(metricsPort);
    }
  });

  // Issue 24 item 7: production without METRICS_PORT now serves /metrics on the default port; the
  // manifests, the Dockerfile's EXPOSE and that default name one port.
  it('METRICS_PORT is the production default the image exposes', () => {
    const config = find(objects, 'ConfigMap', 'platform-config') as any;
    expect(Number(config.data.METRICS_PORT)).toBe(DEFAULT_PRODUCTION_METRICS_PORT);
    const expose = /^EXPOSE (.+)$/m.exec(readFileSync(join(K8S_DIRECTORY, '../../Dockerfile'), 'utf8'))![1]!.split(/\s+/);
    expect(expose).toContain(String(DEFAULT_PRODUCTION_METRICS_PORT));
  });

  it('lets only order-service reach user-service', () => {
    const policies = byKind(objects, 'NetworkPolicy') as any[];
    const userServicePolicies = policies.filter((policy) => policy.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'user-service');
    expect(userServicePolicies).toHaveLength(1);
    const [policy] = userServicePolicies;
    expect(policy.spec.policyTypes).toContain('Ingress');
    const sources = policy.spec.ingress.flatMap((rule: any) => rule.from ?? [{ everyone: true }]);
    expect(sources).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'order-service' } } }]);
  });

  it('runs the migrations as a Job with the CLI', () => {
    const job = find(objects, 'Job', 'auth-server-migrate')!;
    expect(containersOf(job)[0]!.command).toEqual(['node', 'dist/apps/auth-server/src/cli/main.js', 'migrate']);
  });

  it('every secret reference names a Secret of this overlay (dev) or is left to the secret manager (prod)', () => {
    const references = new Set<string>();
    for (const object of objects) {
      for (const container of containersOf(object) as Record<string, any>[]) {
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) references.add(`${ref.name}:${ref.key}`);
        }
        for (const source of container.envFrom ?? []) if (source.secretRef) references.add(`${source.secretRef.name}:*`);
      }
    }
    expect([...references]).toEqual(expect.arrayContaining(['database:DATABASE_URL', 'auth-server-secrets:KEY_ENCRYPTION_KEY', 'auth-server-secrets:CLIENT_SECRET_PEPPER']));
    // dev runs on secrets like `npm start`; prod is secretless (the test below).
    if (overlay === 'dev') {
      expect([...references]).toEqual(expect.arrayContaining(['order-service-credentials:ORDER_SERVICE_CLIENT_SECRET', 'user-service-credentials:USER_SERVICE_CLIENT_SECRET']));
    }
    const secrets = byKind(objects, 'Secret') as any[];
    if (overlay === 'prod') {
      expect(secrets).toEqual([]);
      return;
    }
    for (const reference of references) {
      const [name, secretKey] = reference.split(':');
      const secret = secrets.find((candidate) => candidate.metadata.name === name);
      expect(secret).toBeDefined();
      if (secretKey !== '*') expect(Object.keys(secret.stringData ?? secret.data)).toContain(secretKey);
    }
  });

  it('an overlay with an Ingress trusts X-Forwarded-For on the app it routes to, with a TRUST_PROXY the app accepts', () => {
    const ingresses = byKind(objects, 'Ingress') as any[];
    if (overlay === 'prod') expect(ingresses).toHaveLength(1);
    for (const ingress of ingresses) {
      const backends = ingress.spec.rules.flatMap((rule: any) => rule.http.paths.map((path: any) => path.backend.service.name));
      for (const name of new Set<string>(backends)) {
        expect(find(objects, 'Service', name)).toBeDefined();
        const variable = (containersOf(find(objects, 'Deployment', name)!)[0]!.env as { name: string; value?: string }[]).find((v) => v.name === 'TRUST_PROXY');
        expect(variable?.value).toBeTruthy();
        // The same check the app runs at start, and never "trust everyone".
        expect(() => trustProxyFrom(variable!.value)).not.toThrow();
        expect(trustProxyFrom(variable!.value)).not.toBe(false);
      }
    }
  });

  it('uses production settings only in prod', () => {
    const config = find(objects, 'ConfigMap', 'platform-config') as any;
    if (overlay === 'prod') {
      expect(config.data).toMatchObject({ NODE_ENV: 'production', SEED_DEMO_DATA: 'false' });
      expect(config.data.ISSUER).toMatch(/^https:\/\//);
      for (const deployment of byKind(objects, 'Deployment')) expect(containersOf(deployment)[0]!.image).toMatch(/^registry\.example\.com\/nest-oauth-m2m:\d/);
    } else {
      expect(config.data.NODE_ENV).toBe('development');
    }
  });
});

// Issue 30: the prod overlay is the reference deployment, and it runs without client secrets (the dev
// overlay keeps placeholder secrets, as `npm start` does).
describe('Kubernetes manifests, prod overlay: secretless', () => {
  const objects = renderKustomization(join(K8S_DIRECTORY, 'overlays', 'prod'));

  // Issue 30: the reference deployment has no client secret. CLIENT_SECRET_PEPPER is the auth-server's
  // hashing key for secrets an operator may still issue, not a client's secret.
  const isClientSecret = (name: string) => /CLIENT_SECRET/.test(name) && name !== 'CLIENT_SECRET_PEPPER';
  it('prod is secretless: no Secret, variable or reference holds a client secret', () => {
    for (const secret of byKind(objects, 'Secret') as any[]) {
      expect({ secret: secret.metadata.name, keys: Object.keys({ ...secret.data, ...secret.stringData }).filter(isClientSecret) }).toEqual({ secret: secret.metadata.name, keys: [] });
    }
    for (const object of objects) {
      for (const container of containersOf(object) as Record<string, any>[]) {
        const variables = (container.env ?? []).filter((variable: any) => isClientSecret(variable.name) || isClientSecret(variable.valueFrom?.secretKeyRef?.key ?? ''));
        expect({ object: key(object), variables }).toEqual({ object: key(object), variables: [] });
        for (const source of container.envFrom ?? []) expect(source.secretRef?.name ?? '').not.toMatch(/credentials|demo-seed/);
      }
    }
    // And no manifest text names one (a ConfigMap value, a Job's script …).
    expect(JSON.stringify(objects).match(/[A-Z_]*CLIENT_SECRET(?!_PEPPER)[A-Z_]*/g) ?? []).toEqual([]);
  });

  it.each(['order-service', 'user-service'])(
    '%s authenticates with its projected service-account token: audience = ISSUER, 600 s, its own service account, the file named in its env',
    (app) => {
      const config = find(objects, 'ConfigMap', 'platform-config') as any;
      const pod = (find(objects, 'Deployment', app) as any).spec.template.spec;
      expect(pod.serviceAccountName).toBe(app);
      expect(find(objects, 'ServiceAccount', app)).toMatchObject({ automountServiceAccountToken: false });
      // Only the auth-server's audience is projected, never the API server's own token.
      expect(pod.automountServiceAccountToken).toBe(false);
      const [container] = containersOf(find(objects, 'Deployment', app)!) as Record<string, any>[];
      const variable = `${app.toUpperCase().replace(/-/g, '_')}_CLIENT_ASSERTION_FILE`;
      const file = container!.env.find((entry: any) => entry.name === variable)?.value as string;
      expect(file).toBe('/var/run/secrets/tokens/auth-server');
      const mount = container!.volumeMounts.find((entry: any) => file.startsWith(`${entry.mountPath}/`));
      expect(mount).toMatchObject({ readOnly: true });
      const volume = pod.volumes.find((entry: any) => entry.name === mount.name);
      const sources = volume.projected.sources.map((source: any) => source.serviceAccountToken).filter(Boolean);
      expect(sources).toEqual([{ path: file.slice(mount.mountPath.length + 1), audience: config.data.ISSUER, expirationSeconds: 600 }]);
    },
  );

  it('the registration Job trusts WORKLOAD_ISSUER and binds each service to system:serviceaccount:<namespace>:<name>', () => {
    const config = find(objects, 'ConfigMap', 'platform-config') as any;
    expect(config.data.WORKLOAD_ISSUER).toMatch(/^https:\/\//);
    const job = find(objects, 'Job', 'workload-identity-registration')!;
    const [container] = containersOf(job) as Record<string, any>[];
    const script = container!.command.join(' ');
    expect(script).toContain('trusted-issuers create --issuer "$WORKLOAD_ISSUER" --kind kubernetes');
    for (const app of ['order-service', 'user-service']) {
      expect(script).toContain(`--id ${app} --auth-method federated_jwt`);
      expect(script).toContain(`--federated-subject "system:serviceaccount:$NAMESPACE:${app}"`);
    }
    expect(container!.env).toEqual(expect.arrayContaining([{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]));
  });

});

describe('kustomize-lite', () => {
  it('a schema violation is caught (the validation is not vacuous)', () => {
    const [deployment] = renderKustomization(join(K8S_DIRECTORY, 'overlays', 'prod')).filter((object) => object.kind === 'Deployment');
    (containersOf(deployment!)[0] as Record<string, any>).ports[0].containerPort = 'three thousand';
    expect(() => modelOf(deployment!).validate()).toThrow(/containerPort must be integer/);
  });
});
