/** nest-cli.json with a new application project, so `nest build <name>` / `nest start <name>` know it. */

interface NestCliJson {
  projects: Record<string, { type: string } & Record<string, unknown>>;
  [key: string]: unknown;
}

export function withNestProject(nestCli: NestCliJson, name: string): NestCliJson {
  if (nestCli.projects[name]) throw new Error(`nest-cli.json already has a project ${name}`);
  const project = {
    type: 'application',
    root: `apps/${name}`,
    entryFile: 'main',
    sourceRoot: `apps/${name}/src`,
    compilerOptions: {
      tsConfigPath: `apps/${name}/tsconfig.app.json`,
      assets: [{ include: '**/assets/**/*', outDir: `dist/apps/${name}/src` }],
    },
  };
  // Applications first, then libraries, as the file has always listed them.
  const entries = Object.entries(nestCli.projects);
  const applications = entries.filter(([, p]) => p.type === 'application');
  const others = entries.filter(([, p]) => p.type !== 'application');
  return { ...nestCli, projects: Object.fromEntries([...applications, [name, project], ...others]) };
}
