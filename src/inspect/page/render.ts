import type { Decoding, InspectionReport } from '../inspect.js';
import { describeStatus } from '../status-list.js';
import { type TimeClaim, timeClaims } from '../time.js';

// The page's DOM updates. Text only (textContent): nothing a token contains is ever parsed as
// HTML, and the CSP's Trusted Types requirement would refuse it if it were.

export interface Elements {
  token: HTMLTextAreaElement;
  parts: { header: HTMLElement; payload: HTMLElement; signature: HTMLElement };
  header: HTMLElement;
  payload: HTMLTextAreaElement;
  payloadError: HTMLElement;
  times: HTMLTableSectionElement;
  verdict: HTMLElement;
  defects: HTMLUListElement;
  notes: HTMLUListElement;
  status: HTMLElement;
}

export function elements(): Elements {
  const byId = <T extends HTMLElement>(id: string) => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`the page has no #${id}`);
    return found as T;
  };
  return {
    token: byId('token'),
    parts: { header: byId('part-header'), payload: byId('part-payload'), signature: byId('part-signature') },
    header: byId('header-json'),
    payload: byId('payload-json'),
    payloadError: byId('payload-error'),
    times: byId('times'),
    verdict: byId('verdict'),
    defects: byId('defects'),
    notes: byId('notes'),
    status: byId('status'),
  };
}

/** What decoding alone shows, at once: the coloured parts, header, claims and times. */
export function renderDecoded(el: Elements, decoded: Decoding, keepPayload: boolean): void {
  el.parts.header.textContent = decoded.parts?.header ?? '';
  el.parts.payload.textContent = decoded.parts?.payload ?? '';
  el.parts.signature.textContent = decoded.parts?.signature ?? '';
  el.header.textContent = decoded.ok ? JSON.stringify(decoded.header, null, 2) : '';
  if (!keepPayload) el.payload.value = decoded.ok ? JSON.stringify(decoded.claims, null, 2) : '';
  el.payloadError.textContent = '';
  renderTimes(el, decoded.ok ? timeClaims(decoded.claims, new Date()) : []);
}

export function renderTimes(el: Elements, times: TimeClaim[]): void {
  el.times.replaceChildren(
    ...times.map((t) => {
      const row = document.createElement('tr');
      row.dataset.claim = t.claim;
      for (const text of [t.claim, t.date, t.relative]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      row.title = new Date(t.epoch * 1000).toString();
      return row;
    }),
  );
}

export function renderVerdict(
  el: Elements,
  verdict: 'empty' | 'checking' | 'valid' | 'invalid' | 'unverified',
  text: string,
): void {
  el.verdict.className = `verdict ${verdict}`;
  el.verdict.textContent = text;
}

export function renderReport(el: Elements, report: InspectionReport): void {
  renderVerdict(el, report.valid ? 'valid' : 'invalid', report.valid ? 'valid' : 'invalid');
  list(
    el.defects,
    report.defects.map((d) => d.message),
    (item, i) => (item.dataset.code = report.defects[i]?.code ?? ''),
  );
  list(el.notes, report.notes);
  el.status.textContent = describeStatus(report.status) ?? 'status: the token has no status claim';
  renderTimes(el, report.times);
}

export function renderProblem(el: Elements, verdict: 'empty' | 'unverified', text: string, defects: string[] = []): void {
  renderVerdict(el, verdict, text);
  list(el.defects, defects);
  list(el.notes, []);
  el.status.textContent = '';
}

function list(target: HTMLUListElement, lines: string[], decorate?: (item: HTMLLIElement, index: number) => void): void {
  target.replaceChildren(
    ...lines.map((line, i) => {
      const item = document.createElement('li');
      item.textContent = line;
      decorate?.(item, i);
      return item;
    }),
  );
}
