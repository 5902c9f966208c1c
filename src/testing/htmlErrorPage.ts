import { STATUS_CODES } from 'node:http';
import type { WireResponse } from './wireResponse.js';

/**
 * What a proxy in front of an API sends when things go wrong: an HTML page
 * where JSON was expected. With status 200 it is the kind of proxy that hides
 * errors (a captive portal, a maintenance page).
 */
export function htmlErrorPage(status = 502): WireResponse {
  const title = status === 200 ? 'Service temporarily unavailable' : `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  const text = `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>\n`;
  return { status, headers: {}, contentType: 'text/html; charset=utf-8', text };
}
