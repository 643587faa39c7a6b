// IANA timezone names ("Europe/Berlin"), as the owner's account stores them.
import { IANAZone } from 'luxon';

export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}
