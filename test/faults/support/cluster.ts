import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, Interface } from 'node:readline';
import { Client } from 'pg';
import { freePort } from '../../support/ports';

/**
 * A PostgreSQL of the drill's own (embedded, temp dir, free port) that the drills may stop and
 * start again; the machine's PostgreSQL is never touched. Driven through pg-controller.js.
 */
export class DrillPostgres {
  private controller?: ChildProcess;
  private answers?: Interface;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'oauth-m2m-faults-pg-'));
  port = 0;
  running = false;

  private async command(command: 'start' | 'stop' | 'exit'): Promise<void> {
    if (!this.controller) {
      this.port = await freePort();
      this.controller = spawn(process.execPath, [join(__dirname, 'pg-controller.js'), this.dataDir, String(this.port)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      this.answers = createInterface({ input: this.controller.stdout! });
    }
    const answer = new Promise<string>((done) => this.answers!.once('line', done));
    this.controller.stdin!.write(`${command}\n`);
    if (command === 'exit') return;
    const line = await answer;
    if (line !== 'ok') throw new Error(`postgres ${command}: ${line}`);
  }

  async start(): Promise<void> {
    await this.command('start');
    this.running = true;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.command('stop');
    this.running = false;
  }

  async dispose(): Promise<void> {
    const controller = this.controller;
    if (controller && controller.exitCode === null) {
      const gone = new Promise<void>((done) => controller.once('exit', () => done()));
      await this.command('exit');
      await gone;
    }
    this.answers?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  url(database: string): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A fresh database per drill, so drills never see each other's keys or clients. */
  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }
}
