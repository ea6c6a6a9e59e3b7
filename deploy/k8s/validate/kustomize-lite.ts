import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered: plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path?: string; target?: unknown; patch?: string }[];
  [key: string]: unknown;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'patches']);

export function readYamlObjects(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => {
      if (document.errors.length) throw new Error(`${path}: ${document.errors[0]!.message}`);
      return document.toJSON() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

/**
 * Renders a kustomization the way `kustomize build` does, for the subset this repository uses
 * (resources, namespace, labels without selectors, images, strategic-merge patch files), so the
 * manifests can be checked offline with no kustomize binary. Anything else is refused rather than
 * silently ignored; where kubectl is installed the test compares this output with `kubectl kustomize`.
 */
export function renderKustomization(directory: string): KubeObject[] {
  const [kustomization] = readYamlObjects(join(directory, 'kustomization.yaml')) as unknown as Kustomization[];
  const unsupported = Object.keys(kustomization!).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`${directory}: kustomize-lite does not support ${unsupported.join(', ')}`);
  const { namespace, resources = [], labels = [], images = [], patches = [] } = kustomization!;

  let objects: KubeObject[] = [];
  for (const resource of resources) {
    const path = resolve(directory, resource);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readYamlObjects(path)));
  }
  for (const entry of patches) {
    if (!entry.path || entry.target || entry.patch) throw new Error(`${directory}: only patch files without target are supported`);
    for (const patch of readYamlObjects(resolve(directory, entry.path))) {
      const index = objects.findIndex((object) => sameObject(object, patch));
      if (index < 0) throw new Error(`${entry.path}: no ${patch.kind} "${patch.metadata.name}" to patch`);
      objects[index] = strategicMerge(objects[index], patch) as KubeObject;
    }
  }
  objects = objects.map((object) => {
    const copy = structuredClone(object);
    if (namespace) copy.metadata.namespace = namespace;
    for (const { pairs, includeSelectors, includeTemplates } of labels) {
      if (includeSelectors || includeTemplates) throw new Error('labels with selectors/templates are not supported');
      copy.metadata.labels = { ...copy.metadata.labels, ...pairs };
    }
    for (const container of containersOf(copy)) {
      for (const image of images) {
        const [name, tag] = splitImage(container.image);
        if (name !== image.name) continue;
        container.image = `${image.newName ?? name}${image.newTag ?? tag ? `:${image.newTag ?? tag}` : ''}`;
      }
    }
    return copy;
  });
  return objects;
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a.kind === b.kind && a.metadata.name === b.metadata.name && a.apiVersion.split('/')[0] === b.apiVersion.split('/')[0];
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/** Every container of a Deployment, StatefulSet, Job or Pod. */
export function containersOf(object: KubeObject): { name: string; image: string; [key: string]: unknown }[] {
  const spec = object.spec as Record<string, any> | undefined;
  const podSpec = object.kind === 'Pod' ? spec : spec?.template?.spec;
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

/**
 * Strategic merge patch as kustomize applies it to these objects: maps merge, lists of named
 * items (containers, env, volumes) merge by name (new items first; `$patch: delete` removes one),
 * other lists are replaced.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    const named = (list: unknown[]) => list.every((item) => isObject(item) && typeof item.name === 'string');
    if (!Array.isArray(target) || !named(target) || !named(patch)) return structuredClone(patch);
    const merged = target.map((item) => structuredClone(item) as Record<string, unknown>);
    const added: Record<string, unknown>[] = [];
    for (const item of patch as Record<string, unknown>[]) {
      const index = merged.findIndex((existing) => existing.name === item.name);
      // `$patch: delete` removes the named item (e.g. a base's secret variable an overlay does without).
      if (item.$patch === 'delete') {
        if (index < 0) throw new Error(`$patch: delete of "${String(item.name)}", which is not there`);
        merged.splice(index, 1);
        continue;
      }
      if (index < 0) added.push(structuredClone(item));
      else merged[index] = strategicMerge(merged[index], item) as Record<string, unknown>;
    }
    // kustomize puts the patch's new items first (as `kubectl kustomize` renders them).
    return [...added, ...merged];
  }
  if (isObject(patch) && isObject(target)) {
    const merged: Record<string, unknown> = { ...structuredClone(target) };
    for (const [key, value] of Object.entries(patch)) {
      merged[key] = value === null ? undefined : key in merged ? strategicMerge(merged[key], value) : structuredClone(value);
      if (merged[key] === undefined) delete merged[key];
    }
    return merged;
  }
  return structuredClone(patch);
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const K8S_DIRECTORY = resolve(dirname(__filename), '..');

/** The generated model class (precompiled OpenAPI schema) for an object's apiVersion and kind. */
export function modelOf(object: KubeObject): { validate(): void } {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  const models = require(`kubernetes-models/${group ? `${group}/${version}` : version}`) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[object.kind];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return new Model(object);
}
