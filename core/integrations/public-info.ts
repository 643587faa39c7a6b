// What an integration shows of itself (the jsonb `public_info`: pg returns it parsed; a value written
// as JSON text by an insert in the same process may come back as a string).
export interface PublicInfo {
  username?: string;
  bot_id?: number;
  phone_id?: string;
  display_phone_number?: string;
  /** WhatsApp Web sessions; for calendars, how Google access was given. */
  mode?: 'web' | 'service_account' | 'oauth';
  /** Calendars: the Google calendar id (an address), the service account to share it with, its time zone. */
  calendar_id?: string;
  share_with?: string;
  time_zone?: string;
}

export function parsePublicInfo(value: unknown): PublicInfo {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return parsed && typeof parsed === 'object' ? (parsed as PublicInfo) : {};
}

/** A WhatsApp Web session (whatsapp-web.js, QR), as opposed to the Cloud API or Telegram. */
export function isWebSession(row: { type: string; public_info: unknown }): boolean {
  return row.type === 'whatsapp' && parsePublicInfo(row.public_info).mode === 'web';
}

/** The same test in SQL, for rows already known to be WhatsApp integrations. */
export const WEB_MODE_SQL = "public_info->>'mode' = 'web'";
