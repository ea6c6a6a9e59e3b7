/**
 * deploy/k8s with a new service, shaped like order-service: in the base, its Deployment, Service,
 * HorizontalPodAutoscaler and PodDisruptionBudget, a registration Job (like the migrations Job: the CLI
 * in the image registers its resource and client with the secret of its Secret), its file in the
 * kustomization, and its pods let through the network policy around user-service (it calls it); in
 * the dev overlay, the placeholder Secret for its client secret. The prod overlay is secretless: the
 * service gets a projected service-account token there and registers as a federated_jwt client.
 * Edits go through the `yaml` package's document model, which keeps the files' comments.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSeq, parseDocument, YAMLSeq } from 'yaml';
import { composeDefaultSecret } from './compose-file';
import { NewServiceError, ServiceNames } from './naming';

export const K8S_BASE = 'deploy/k8s/base';
const DEV_SECRETS = 'deploy/k8s/overlays/dev/secrets.yaml';
const PROD_WORKLOAD_PATCH = 'deploy/k8s/overlays/prod/workload-identity.patch.yaml';
const PROD_WORKLOAD_RESOURCES = 'deploy/k8s/overlays/prod/workload-identity.yaml';
const NETWORK_POLICY = `${K8S_BASE}/network-policy.yaml`;

function secretRef(variable: string, secret: string, key = variable): string {
  return `            - name: ${variable}
              valueFrom:
                secretKeyRef:
                  name: ${secret}
                  key: ${key}`;
}

export function k8sManifests(n: ServiceNames, port: number): string {
  const credentials = `${n.name}-credentials`;
  const labels = `app.kubernetes.io/name: ${n.name}`;
  const hardening = `          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]`;
  // The container's hardening and its writable /tmp (the root filesystem is read-only).
  const hardenedTail = `${hardening}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}`;
  const podSecurity = `      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile:
          type: RuntimeDefault`;
  return `# ${n.name} (added by npm run new:service): resource server for ${n.audience}; calls user-service
# with its own client-credentials token (secret ${credentials}, key ${n.upper}_CLIENT_SECRET).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${n.name}
  labels:
    ${labels}
spec:
  replicas: 2
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      ${labels}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        ${labels}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9464"
        prometheus.io/path: /metrics
    spec:
${podSecurity}
      terminationGracePeriodSeconds: 30
      containers:
        - name: ${n.name}
          image: nest-oauth-m2m:latest
          command: ["node", "dist/apps/${n.name}/src/main.js"]
          ports:
            - name: http
              containerPort: ${port}
            - name: metrics
              containerPort: 9464
          envFrom:
            - configMapRef:
                name: platform-config
          env:
            - name: ${n.upper}_PORT
              value: "${port}"
${secretRef('DATABASE_URL', 'database')}
${secretRef(`${n.upper}_CLIENT_SECRET`, credentials)}
          readinessProbe:
            httpGet:
              path: /health/ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 6
          startupProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: 2
            failureThreshold: 60
          resources:
            requests:
              cpu: 100m
              memory: 160Mi
            limits:
              cpu: "1"
              memory: 384Mi
${hardenedTail}
---
apiVersion: v1
kind: Service
metadata:
  name: ${n.name}
  labels:
    ${labels}
spec:
  selector:
    ${labels}
  ports:
    - name: http
      port: ${port}
      targetPort: http
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${n.name}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${n.name}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${n.name}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      ${labels}
---
# Registers ${n.audience} and the client ${n.name} at the auth-server (the operator CLI in the
# image, scripts/register-service.ts), unless already there, with the secret ${n.name} itself uses.
apiVersion: batch/v1
kind: Job
metadata:
  name: ${n.name}-registration
spec:
  backoffLimit: 6
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${n.name}-registration
    spec:
      restartPolicy: OnFailure
${podSecurity}
      containers:
        - name: register
          image: nest-oauth-m2m:latest
          command: ["node", "dist/scripts/register-service.js", "${n.name}"]
          envFrom:
            - configMapRef:
                name: platform-config
          env:
            # The auth-server seeds the demo data (dev); the CLI here only registers.
            - name: SEED_DEMO_DATA
              value: "false"
${secretRef('DATABASE_URL', 'database')}
${secretRef('KEY_ENCRYPTION_KEY', 'auth-server-secrets')}
${secretRef('CLIENT_SECRET_PEPPER', 'auth-server-secrets')}
${secretRef(`${n.upper}_CLIENT_SECRET`, credentials)}
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
${hardenedTail}
`;
}

/** The dev overlay's placeholder Secret (the same development value as compose's default). */
export function devSecret(n: ServiceNames): string {
  return `---
# ${n.name}'s client secret: a PLACEHOLDER, like the others here (added by npm run new:service).
apiVersion: v1
kind: Secret
metadata:
  name: ${n.name}-credentials
type: Opaque
stringData:
  ${n.upper}_CLIENT_SECRET: ${composeDefaultSecret(n)}
`;
}

/**
 * The prod overlay is secretless (README, "Running without client secrets"): the service runs under
 * its own ServiceAccount with a projected token for the auth-server (`audience` = the ISSUER the
 * existing patch projects for order-service), its secret variable deleted; its registration Job
 * registers a federated_jwt client (WORKLOAD_ISSUER, the pod's namespace) instead of reading a secret.
 */
export function prodWorkloadPatch(n: ServiceNames, audience: string): string {
  return `---
# ${n.name} (added by npm run new:service): its projected service-account token, no secret.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${n.name}
spec:
  template:
    spec:
      serviceAccountName: ${n.name}
      containers:
        - name: ${n.name}
          env:
            - name: ${n.upper}_CLIENT_SECRET
              $patch: delete
            - name: ${n.upper}_CLIENT_ASSERTION_FILE
              value: /var/run/secrets/tokens/auth-server
          volumeMounts:
            - name: workload-token
              mountPath: /var/run/secrets/tokens
              readOnly: true
      volumes:
        - name: workload-token
          projected:
            sources:
              - serviceAccountToken:
                  path: auth-server
                  audience: ${audience}
                  expirationSeconds: 600
---
apiVersion: batch/v1
kind: Job
metadata:
  name: ${n.name}-registration
spec:
  template:
    spec:
      containers:
        - name: register
          env:
            - name: ${n.upper}_CLIENT_SECRET
              $patch: delete
            - name: NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
`;
}

export function prodServiceAccount(n: ServiceNames): string {
  return `---
# ${n.name} (added by npm run new:service): the \`sub\` of its token is system:serviceaccount:<namespace>:${n.name}.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${n.name}
automountServiceAccountToken: false
`;
}

function edit(path: string, change: (document: ReturnType<typeof parseDocument>) => void): string {
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length) throw new NewServiceError(`${path} does not parse: ${document.errors[0]!.message}`);
  change(document);
  return document.toString();
}

/**
 * Writes the service into deploy/k8s when the base is there; returns the files written (relative
 * paths), or none when the repository has no Kubernetes base.
 */
export function addToK8sBase(root: string, n: ServiceNames, port: number): string[] {
  const base = join(root, K8S_BASE);
  if (!existsSync(join(base, 'kustomization.yaml'))) return [];
  const file = `${K8S_BASE}/${n.name}.yaml`;
  if (existsSync(join(root, file))) throw new NewServiceError(`${file} already exists: remove it first`);

  const kustomization = edit(join(base, 'kustomization.yaml'), (document) => {
    const resources = document.get('resources', true);
    if (!isSeq(resources)) throw new NewServiceError(`${K8S_BASE}/kustomization.yaml has no resources list`);
    (resources as YAMLSeq).add(document.createNode(`${n.name}.yaml`));
  });
  const written = [file, `${K8S_BASE}/kustomization.yaml`];
  writeFileSync(join(root, file), k8sManifests(n, port), { flag: 'wx' });
  writeFileSync(join(base, 'kustomization.yaml'), kustomization);

  if (existsSync(join(root, NETWORK_POLICY))) {
    const policy = edit(join(root, NETWORK_POLICY), (document) => {
      const from = document.getIn(['spec', 'ingress', 0, 'from'], true);
      if (!isSeq(from)) throw new NewServiceError(`${NETWORK_POLICY} has no spec.ingress[0].from list`);
      (from as YAMLSeq).add(document.createNode({ podSelector: { matchLabels: { 'app.kubernetes.io/name': n.name } } }));
    });
    writeFileSync(join(root, NETWORK_POLICY), policy);
    written.push(NETWORK_POLICY);
  }
  const patchPath = join(root, PROD_WORKLOAD_PATCH);
  if (existsSync(patchPath) && existsSync(join(root, PROD_WORKLOAD_RESOURCES))) {
    const text = readFileSync(patchPath, 'utf8');
    const audience = /^\s*audience:\s*(\S+)/m.exec(text)?.[1];
    if (!audience) throw new NewServiceError(`${PROD_WORKLOAD_PATCH} projects no token audience to copy`);
    writeFileSync(patchPath, `${text.replace(/\n*$/, '\n')}${prodWorkloadPatch(n, audience)}`);
    const resources = readFileSync(join(root, PROD_WORKLOAD_RESOURCES), 'utf8');
    writeFileSync(join(root, PROD_WORKLOAD_RESOURCES), `${resources.replace(/\n*$/, '\n')}${prodServiceAccount(n)}`);
    written.push(PROD_WORKLOAD_PATCH, PROD_WORKLOAD_RESOURCES);
  }
  if (existsSync(join(root, DEV_SECRETS))) {
    const text = readFileSync(join(root, DEV_SECRETS), 'utf8');
    writeFileSync(join(root, DEV_SECRETS), `${text.replace(/\n*$/, '\n')}${devSecret(n)}`);
    written.push(DEV_SECRETS);
  }
  return written;
}
