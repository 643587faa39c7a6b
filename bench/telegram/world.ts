// The outside world, in a worker thread of its own: the fake Telegram Bot API and the fake OpenAI server
// (test/fakes) and the customers who write to the bots, so the harness does not eat the event loop of the
// system under test. Answers the main thread's calls (world-client.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { NO_PASSAGES } from '../../core/assistant/prompt.ts';
import { lastUserText, startFakeOpenAI } from '../../test/fakes/openai-server.ts';
import { startFakeTelegram } from '../../test/fakes/telegram-server.ts';
import { threadCpuMs } from './cpu-time.ts';
import { loopMonitor } from './loop-monitor.ts';
import {
  markerOf,
  QUESTIONS,
  type LoadRequest,
  type LoadResult,
  type MessageRecord,
  type Rpc,
  type RpcAnswer,
  type WorldData,
  type WorldInfo,
} from './protocol.ts';

async function runWorld(data: WorldData): Promise<void> {
  const port = parentPort!;
  const telegram = await startFakeTelegram();
  const openai = await startFakeOpenAI();

  // The model: waits modelMs and echoes. Its time is measured here, per message (by the marker in the text).
  const modelSpans = new Map<string, { ms: number; calls: number; grounded: boolean }>();
  openai.reply(async (body) => {
    const text = lastUserText(body);
    const started = performance.now();
    await sleep(data.modelMs);
    const marker = markerOf(text);
    if (marker) {
      const span = modelSpans.get(marker) ?? { ms: 0, calls: 0 };
      // The system prompt says so when retrieval found nothing for the question.
      const grounded = !JSON.stringify(body['messages'] ?? []).includes(NO_PASSAGES);
      modelSpans.set(marker, { ms: span.ms + performance.now() - started, calls: span.calls + 1, grounded });
    }
    return { text: `Echo: ${text}` };
  });

  // Each reply is matched to the customer waiting for it as the fake records the call (O(1) per call).
  const waiting = new Map<string, (reply: { at: number; text: string }) => void>();
  let unexpectedReplies = 0;
  let callCounts = new Map<string, number>();
  telegram.onCall((call) => {
    const at = performance.now();
    callCounts.set(call.method, (callCounts.get(call.method) ?? 0) + 1);
    if (call.method.toLowerCase() !== 'sendmessage') return;
    const key = `${call.token}|${Number(call.body['chat_id'])}`;
    const resolve = waiting.get(key);
    if (!resolve) {
      unexpectedReplies += 1;
      return;
    }
    waiting.delete(key);
    resolve({ at, text: String(call.body['text'] ?? '') });
  });

  let current: { records: MessageRecord[]; started: number } | undefined;

  /** Every customer of every bot at once, each sending its next message when the previous one was answered. */
  async function load(request: LoadRequest): Promise<LoadResult> {
    const records: MessageRecord[] = [];
    unexpectedReplies = 0;
    callCounts = new Map();
    const monitor = loopMonitor();
    const cpuAtStart = threadCpuMs();
    const started = performance.now();
    current = { records, started };
    let lastReply = started;

    const customer = async (token: string, botIndex: number, chatId: number): Promise<void> => {
      const key = `${token}|${chatId}`;
      for (let seq = 0; seq < request.messages; seq += 1) {
        const marker = `m:${request.label}.${botIndex}.${chatId}.${seq}`;
        const text = `${QUESTIONS[(chatId + seq) % QUESTIONS.length]} [${marker}]`;
        let timer: NodeJS.Timeout | undefined;
        const reply = new Promise<{ at: number; text: string } | undefined>((resolve) => {
          waiting.set(key, resolve);
          timer = setTimeout(() => {
            waiting.delete(key);
            resolve(undefined);
          }, request.replyTimeoutMs);
        });
        const sentAt = performance.now();
        telegram.customerSays(token, {
          chatId,
          firstName: 'Guest',
          lastName: String(chatId),
          languageCode: 'en',
          text,
        });
        const answer = await reply;
        clearTimeout(timer);
        const model = modelSpans.get(marker);
        if (!answer) {
          records.push({
            marker,
            e2eMs: performance.now() - sentAt,
            modelCalls: model?.calls ?? 0,
            ok: false,
            problem: `no reply within ${request.replyTimeoutMs} ms`,
          });
          continue;
        }
        lastReply = Math.max(lastReply, answer.at);
        const ok = answer.text.includes(marker);
        records.push({
          marker,
          e2eMs: answer.at - sentAt,
          modelMs: model?.ms,
          modelCalls: model?.calls ?? 0,
          ok,
          ...(model ? { grounded: model.grounded } : {}),
          ...(ok ? {} : { problem: `reply without the question's marker: ${answer.text.slice(0, 120)}` }),
        });
      }
    };

    await Promise.all(
      request.tokens.flatMap((token, botIndex) =>
        Array.from({ length: request.customers }, (_, c) => customer(token, botIndex, request.chatBase + c)),
      ),
    );
    current = undefined;
    const cpuAtEnd = threadCpuMs();
    return {
      records,
      wallMs: lastReply - started,
      unexpectedReplies,
      calls: Object.fromEntries(callCounts),
      worldLoop: monitor.stop(),
      ...(cpuAtStart !== undefined && cpuAtEnd !== undefined ? { worldCpuMs: cpuAtEnd - cpuAtStart } : {}),
    };
  }

  const handle = async (rpc: Rpc): Promise<unknown> => {
    switch (rpc.method) {
      case 'info':
        return { telegramUrl: telegram.url, openaiUrl: openai.url, openaiKey: openai.apiKey } satisfies WorldInfo;
      case 'addBots':
        for (const [index, token] of rpc.tokens.entries()) {
          telegram.addBot({ token, username: `bench_${index}_${token.split(':')[0]}_bot`, firstName: 'Bench' });
        }
        return true;
      case 'waitPolling':
        await Promise.all(rpc.tokens.map((token) => telegram.waitForPolling(token, 30_000)));
        return true;
      case 'load':
        return load(rpc.request);
      case 'partial':
        return current
          ? {
              records: current.records,
              wallMs: performance.now() - current.started,
              unexpectedReplies,
              calls: Object.fromEntries(callCounts),
            }
          : undefined;
      case 'close':
        await telegram.close();
        await openai.close();
        return true;
    }
  };

  port.on('message', (message: { id: number; rpc: Rpc }) => {
    handle(message.rpc).then(
      (result) => port.postMessage({ id: message.id, ok: true, result } satisfies RpcAnswer),
      (error: unknown) =>
        port.postMessage({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies RpcAnswer),
    );
  });
  port.postMessage({ id: 0, ok: true, result: 'ready' } satisfies RpcAnswer);
}

const data = workerData as WorldData | undefined;
if (data?.role === 'bench-telegram-world') await runWorld(data);
