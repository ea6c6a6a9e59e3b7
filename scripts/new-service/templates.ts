/**
 * The files of a new service: the templates in ./files/__name__ (real TypeScript, type-checked with the
 * rest of the repository by `npm run typecheck`; the build copies them next to this file's output),
 * with their placeholders replaced. Pure apart from reading the templates: names in, file contents out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ServiceNames } from './naming';

/** Paths relative to the repository, contents as written. */
export type ServiceFiles = Record<string, string>;

/** The templates' folder, here as in dist/ (scripts/copy-assets.js copies it there). */
export const TEMPLATES = join(__dirname, 'files', '__name__');
/** Where the templates sit in the repository: their imports of the repository's own files start from here. */
const TEMPLATES_IN_REPOSITORY = 'scripts/new-service/files/__name__';

/** The placeholders (files/placeholders.d.ts describes them) and what each becomes. */
export function placeholders(n: ServiceNames, port: number): Record<string, string> {
  return { name: n.name, Name: n.pascal, nameCamel: n.camel, NAME: n.upper, base: n.base, schema: n.schema, port: String(port) };
}

const PLACEHOLDER = /__(name|Name|nameCamel|NAME|base|schema|port)__/g;

export function render(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_, key: string) => values[key]!);
}

export function serviceFiles(n: ServiceNames, port: number): ServiceFiles {
  const values = placeholders(n, port);
  const files: ServiceFiles = {};
  for (const template of templatePaths(TEMPLATES)) {
    const target = `apps/${n.name}/${render(template, values)}`;
    const source = readFileSync(join(TEMPLATES, template), 'utf8');
    files[target] = render(rebaseImports(source, `${TEMPLATES_IN_REPOSITORY}/${template}`, target), values);
  }
  return files;
}

/** Every file below `folder`, as posix paths relative to it. */
function templatePaths(folder: string, prefix = ''): string[] {
  const entries = readdirSync(join(folder, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? templatePaths(folder, path) : [path];
  });
}

/**
 * A template imports the repository's own files (the tests' support) by relative paths that are right
 * where the template sits, so it type-checks there; the generated file sits elsewhere (apps/<name>/…),
 * so each such path is recomputed from there. Imports within the service stay as written.
 */
export function rebaseImports(source: string, templatePath: string, targetPath: string): string {
  return source.replace(/\b(from|import)(\s+)'(\.\.?\/[^']*)'/g, (whole, keyword: string, space: string, specifier: string) => {
    const resolved = posix.join(posix.dirname(templatePath), specifier);
    if (resolved.startsWith(`${TEMPLATES_IN_REPOSITORY}/`)) return whole;
    const rebased = posix.relative(posix.dirname(targetPath), resolved);
    return `${keyword}${space}'${rebased.startsWith('.') ? rebased : `./${rebased}`}'`;
  });
}
