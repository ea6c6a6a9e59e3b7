import { Public } from '@nest-oauth-m2m/auth';
import { DEMO_ORDERS, DEMO_USERS } from '@app/platform';
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authServerConfig } from '../config/auth-server.config';
import { DEMO_APP_CLIENT_ID } from '../seed/demo-seed.service';
import { explorerConfig } from './explorer.config';

const ASSETS: Record<string, string> = {
  'explorer.js': 'text/javascript; charset=utf-8',
  'explorer.css': 'text/css; charset=utf-8',
};

/** What the page needs to run the flow: public endpoints and demo ids only, never a secret. */
export interface ExplorerSettings {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  redirectUri: string;
  orderServiceUrl: string;
  /** order-service run with USER_LOOKUP=token_exchange: the page's "token exchange" mode calls it. */
  delegatedOrderServiceUrl: string;
  /** Where a hop's trace id links to (`{traceId}` replaced), when a trace viewer is configured. */
  traceUrl?: string;
  scopes: { full: string; writeOnly: string };
  users: { username: string; id: string }[];
  orders: { id: string; owner: string; item: string }[];
}

/**
 * The flow explorer (development aid): a static page whose script logs in through the real
 * authorization code + PKCE flow with the public `demo-app` client, calls order-service and draws
 * each hop with the decoded tokens and the guards' decisions.
 */
// Outside the bearer guard (deny by default, see AdminAuthModule): a development page, off in production.
@Public()
@Controller('explorer')
export class ExplorerController {
  private readonly page = readFileSync(join(__dirname, 'assets', 'explorer.html'), 'utf8');
  private readonly assets = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(__dirname, 'assets', name), 'utf8')]));

  constructor(
    @Inject(authServerConfig.KEY) private readonly auth: ConfigType<typeof authServerConfig>,
    @Inject(explorerConfig.KEY) private readonly explorer: ConfigType<typeof explorerConfig>,
  ) {}

  @Get()
  index(@Res() reply: FastifyReply): void {
    this.sendPage(reply);
  }

  /** The redirect URI: the same page, whose script finishes the code exchange. */
  @Get('callback')
  callback(@Res() reply: FastifyReply): void {
    this.sendPage(reply);
  }

  @Get('settings.json')
  settings(): ExplorerSettings {
    this.ensureEnabled();
    const issuer = this.auth.issuer;
    return {
      issuer,
      authorizationEndpoint: `${issuer}/oauth/authorize`,
      tokenEndpoint: `${issuer}/oauth/token`,
      clientId: DEMO_APP_CLIENT_ID,
      redirectUri: `${issuer}/explorer/callback`,
      orderServiceUrl: this.explorer.orderServiceUrl,
      delegatedOrderServiceUrl: this.explorer.delegatedOrderServiceUrl,
      ...(this.explorer.traceUrl ? { traceUrl: this.explorer.traceUrl } : {}),
      scopes: { full: 'orders:read orders:write', writeOnly: 'orders:write' },
      users: Object.values(DEMO_USERS).map(({ username, id }) => ({ username, id })),
      orders: DEMO_ORDERS.map(({ id, userId, item }) => ({
        id,
        owner: Object.values(DEMO_USERS).find((user) => user.id === userId)?.username ?? userId,
        item,
      })),
    };
  }

  @Get(':asset')
  asset(@Param('asset') name: string, @Res() reply: FastifyReply): void {
    this.ensureEnabled();
    const body = this.assets.get(name);
    if (body === undefined) throw new NotFoundException(`no explorer asset ${name}`);
    reply.status(200).header('content-type', ASSETS[name]).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
  }

  private ensureEnabled(): void {
    if (!this.explorer.enabled) throw new NotFoundException('the flow explorer is disabled (EXPLORER_ENABLED)');
  }

  private orderServiceOrigins(): string {
    return [...new Set([this.explorer.orderServiceUrl, this.explorer.delegatedOrderServiceUrl].map((url) => new URL(url).origin))].join(' ');
  }

  private sendPage(reply: FastifyReply): void {
    this.ensureEnabled();
    reply
      .status(200)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        // Script and style from this origin only; the page may call the auth-server and order-service (in either mode).
        'content-security-policy':
          `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; ` +
          `connect-src 'self' ${this.orderServiceOrigins()}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      })
      .send(this.page);
  }
}
