// When the assistant hands a chat over to a person: the customer asks for one, or the model says the
// passages do not answer (it ends its reply with a marker the customer never sees).

// Russian and Ukrainian words are matched by their beginning (their endings change with case), English
// ones whole, with -s / -ing / -ed ("personal" is not a person, "talking" is talking).
/** Words for a person to talk to (administrator, manager, a human…). */
const PERSON = [
  'администратор', 'админ', 'менеджер', 'оператор', 'человек', 'сотрудник', 'владел', 'хозяйк',
  'адміністратор', 'адмін', 'людин', 'співробітник', 'працівник', 'власник',
];
const PERSON_EN = /^(administrator|admin|manager|operator|human|person|someone|somebody|agent|staff|representative|owner)s?$/;

/** Words for being put through (call, connect, talk to…). */
const REACH = [
  'позов', 'позва', 'соедин', 'переключ', 'поговор', 'связ', 'свяж', 'пообща', 'позвон',
  'поклич', "з'єдна", 'зєдна', 'перемкн', "зв'яз", 'звяз', 'поспілкув', 'зателефон',
];
const REACH_EN = /^(talk|speak|connect|reach|contact|transfer|chat)(s|ing|ed)?$/;

/** A message this short that names a person ("Администратор?", "human please") asks for one. */
const SHORT_REQUEST_WORDS = 3;

function words(text: string): string[] {
  return text.toLowerCase().replace(/[’ʼ`]/g, "'").match(/[\p{L}']+/gu) ?? [];
}

const matches = (word: string, beginnings: readonly string[], english: RegExp) => english.test(word) || beginnings.some((beginning) => word.startsWith(beginning));

/** Whether the customer asks to talk to a person rather than the assistant (Russian, Ukrainian, English). */
export function asksForPerson(text: string): boolean {
  const all = words(text);
  if (!all.some((word) => matches(word, PERSON, PERSON_EN))) return false;
  return all.length <= SHORT_REQUEST_WORDS || all.some((word) => matches(word, REACH, REACH_EN));
}

/** What the model appends when it cannot answer from the passages or the customer asks for a person. */
export const HANDOVER_MARKER = '[handover]';

/** The model's reply without the marker, and whether it was there. */
export function takeHandoverMarker(reply: string): { text: string; handOver: boolean } {
  const pattern = /\[\s*handover\s*\]/gi;
  const handOver = pattern.test(reply);
  return { text: handOver ? reply.replace(pattern, '').replace(/[ \t]+\n/g, '\n').trim() : reply, handOver };
}
