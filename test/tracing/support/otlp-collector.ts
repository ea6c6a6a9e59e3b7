import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carried it, flattened. */
export interface CollectedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  /** The whole span as received (attributes, events, links, resource): what a secret scan reads. */
  raw: string;
}

/** What an export request looked like on the wire. */
export interface CollectedRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: OtlpValue[] } };
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

function valueOf(value: OtlpValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

function attributesOf(attributes: OtlpAttributes): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

/**
 * A minimal OTLP/HTTP trace collector (POST /v1/traces, 200 with an empty JSON answer): it keeps every
 * request as received and decodes the JSON ones (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) into spans.
 */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  readonly requests: CollectedRequest[] = [];
  private server?: Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const contentType = request.headers['content-type'] ?? '';
        this.requests.push({ path: request.url ?? '', contentType, body });
        if (request.url === '/v1/traces' && contentType.startsWith('application/json')) this.decode(body.toString('utf8'));
        response.writeHead(200, { 'content-type': contentType.startsWith('application/json') ? 'application/json' : 'application/x-protobuf' });
        response.end(contentType.startsWith('application/json') ? '{}' : undefined);
      });
    });
    await new Promise<void>((listening) => this.server!.listen(0, '127.0.0.1', listening));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((closed) => (this.server ? this.server.close(() => closed()) : closed()));
  }

  /** Polls until `found` returns something (spans arrive in batches, after OTEL_BSP_SCHEDULE_DELAY). */
  async waitFor<T>(what: string, found: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = found();
      if (result !== undefined && result !== false) return result;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; ${this.spans.length} spans collected: ${this.summary()}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  summary(): string {
    return [...new Set(this.spans.map((span) => `${span.service}:${span.name}`))].join(', ');
  }

  private decode(text: string): void {
    const request = JSON.parse(text) as {
      resourceSpans?: {
        resource?: { attributes?: OtlpAttributes };
        scopeSpans?: { scope?: { name?: string }; spans?: Record<string, unknown>[] }[];
      }[];
    };
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            service: String(resource['service.name']),
            scope: scopeSpans.scope?.name ?? '',
            traceId: String(span.traceId),
            spanId: String(span.spanId),
            parentSpanId: (span.parentSpanId as string | undefined) || undefined,
            name: String(span.name),
            kind: Number(span.kind),
            attributes: attributesOf(span.attributes as OtlpAttributes),
            links: ((span.links as { traceId: string; spanId: string }[] | undefined) ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
            raw: JSON.stringify({ resource: resourceSpans.resource, span }),
          });
        }
      }
    }
  }
}
