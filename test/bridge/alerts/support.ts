/** Alert tests' support: a real local HTTP server receiving webhooks, and reads of the hub's alert routes. */
import { once } from 'node:events';
import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { AlertData, AlertView } from '../../../protocol/alerts.js';
import type { HubMessage } from '../../../protocol/message.js';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** How requests are answered: a status, or 'hang' (never answered). */
  answer: number | 'hang';
  /** Answers for the next requests, one each, before `answer` applies again. */
  plan: (number | 'hang')[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const hanging: ServerResponse[] = [];
  const receiver: WebhookReceiver = { url: '', received: [], answer: 200, plan: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = receiver.plan.shift() ?? receiver.answer;
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  receiver.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return receiver;
}

export class AlertApi {
  constructor(private readonly base: () => string) {}

  async createRule(body: object): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.base()}/api/alert-rules`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async rule(body: object): Promise<{ id: string; secret: string }> {
    const made = await this.createRule(body);
    if (made.status !== 201) throw new Error(`rule refused: ${JSON.stringify(made.body)}`);
    return made.body as { id: string; secret: string };
  }

  async alerts(query = ''): Promise<AlertView[]> {
    return ((await (await fetch(`${this.base()}/api/alerts?${query}`)).json()) as { alerts: AlertView[] }).alerts;
  }

  /** Every stored alert message of a rule (short poll of `alerts/{rule}/#` from the start). */
  async messages(rule: string): Promise<(HubMessage & { data: AlertData })[]> {
    const body = (await (await fetch(`${this.base()}/api/messages?topic=${encodeURIComponent(`alerts/${rule}/#`)}&since=0`)).json()) as { messages: HubMessage[] };
    return body.messages as (HubMessage & { data: AlertData })[];
  }
}
