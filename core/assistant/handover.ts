// When the assistant hands a chat over to a person: the customer asks for one, or the model says the
// passages do not answer (it ends its reply with a marker the customer never sees).

// Russian and Ukrainian words are matched by their beginning (their endings change with case), English
// ones whole, with -s / -ing / -ed ("personal" is not a person, "talking" is talking).
/** Whom a customer asks for: a role at the business, or just a human. */
const PERSON = [
  'администратор',
  'админ',
  'менеджер',
  'оператор',
  'человек',
  'сотрудник',
  'владел',
  'хозяйк',
  'мастер',
  'адміністратор',
  'адмін',
  'людин',
  'співробітник',
  'працівник',
  'власник',
  'майстр',
];
const PERSON_EN =
  /^(administrator|admin|manager|operator|human|person|someone|somebody|agent|representative|owner|master)s?$/;

/** Asking to be put through (call, connect, talk to) or to pass a word on (tell, warn): before the person. */
const REACH = [
  'позов',
  'позва',
  'соедин',
  'переключ',
  'переведи',
  'поговор',
  'свяжи',
  'свяжите',
  'связат',
  'пообща',
  'позвон',
  'передай',
  'скажите',
  'предупред',
  'поклич',
  "з'єдна",
  'зєдна',
  'перемкн',
  "зв'яж",
  'звяж',
  "зв'язат",
  'звязат',
  'поспілкув',
  'зателефон',
  'передайте',
  'скажіть',
  'повідом',
  'поперед',
];
const REACH_EN = /^(talk|speak|connect|reach|contact|transfer|chat|tell|inform|warn)(s|ing|ed)?$/;

/** A call back is a person too ("Перезвоните мне", "Please call me back"). */
const CALL_BACK =
  /перезвон|передзвон|позвоните мне|подзвоніть мені|зателефонуйте мені|\bcall me\b|\bcall back\b|\bcall .* back\b/;

/** Words a bare request for a person may carry besides the person ("Нужен живой человек", "A real person please"). */
const REQUEST_FILLER = new Set([
  'я',
  'мне',
  'нужен',
  'нужна',
  'хочу',
  'дайте',
  'можно',
  'пожалуйста',
  'живой',
  'живого',
  'живым',
  'с',
  'со',
  'связь',
  'мені',
  'потрібен',
  'потрібна',
  'можна',
  'будь',
  'ласка',
  'живу',
  'живою',
  'з',
  "зв'язок",
  'i',
  'need',
  'want',
  'get',
  'give',
  'me',
  'can',
  'a',
  'an',
  'the',
  'real',
  'live',
  'please',
  'to',
  'with',
]);
const BARE_REQUEST_WORDS = 5;

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[’ʼ`]/g, "'")
      .match(/[\p{L}\p{N}']+/gu) ?? []
  );
}

const matches = (word: string, beginnings: readonly string[], english: RegExp) =>
  english.test(word) || beginnings.some((beginning) => word.startsWith(beginning));
const isPerson = (word: string) => matches(word, PERSON, PERSON_EN);
const isReach = (word: string) => matches(word, REACH, REACH_EN);

/**
 * Whether the customer asks to talk to a person rather than the assistant (Russian, Ukrainian,
 * English): a word for being put through before the person ("Позовите администратора", "Can I speak to
 * a human?"), a request for a call back, or a short message that is nothing but a request for a person
 * ("Оператор!", "I need a manager"). A question about people is not one ("Цена за человека?", "Does the
 * manager speak English?", "Стрижка на 2 человека").
 */
export function asksForPerson(text: string): boolean {
  const all = words(text);
  if (CALL_BACK.test(all.join(' '))) return true;
  const firstPerson = all.findIndex(isPerson);
  if (firstPerson < 0) return false;
  if (all.slice(0, firstPerson).some(isReach)) return true;
  // Short, and nothing but the request: the person, asking words and politeness ("Администратора позовите").
  return (
    all.length <= BARE_REQUEST_WORDS && all.every((word) => isPerson(word) || isReach(word) || REQUEST_FILLER.has(word))
  );
}

/** What the model appends when it cannot answer from the passages or the customer asks for a person. */
export const HANDOVER_MARKER = '[handover]';

// The marker as models write it: bold or code, escaped, round brackets, "hand over" / "hand-over".
const MARKER = /[*_`\\]*[[(]\s*hand[\s-]?over\s*\\?[\])][*_`]*\.?/gi;

/** The model's reply without the marker, and whether it was there. */
export function takeHandoverMarker(reply: string): { text: string; handOver: boolean } {
  const taken = reply.replace(MARKER, '');
  return taken === reply
    ? { text: reply, handOver: false }
    : { text: taken.replace(/[ \t]+\n/g, '\n').trim(), handOver: true };
}
