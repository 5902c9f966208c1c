import fc from 'fast-check';
import { SseParser, sseComment, sseEvent, type SseEvent } from '../../src/core/sse.js';

/** Every event a parser reads from `chunks`, fed one by one. */
function parse(chunks: readonly string[], maxLineLength?: number): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event), maxLineLength);
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

/** `text` cut at the given offsets (sorted, repeats allowed: a repeat is an empty chunk). */
function cutAt(text: string, offsets: readonly number[]): string[] {
  const points = [0, ...[...offsets].sort((a, b) => a - b), text.length];
  return points.slice(1).map((end, index) => text.slice(points[index], end));
}

describe('sseEvent', () => {
  it('writes the id, the event name and one data line per line of data, then a blank line', () => {
    expect(sseEvent('state', '{"a":1}', 'abc.7')).toBe('id: abc.7\nevent: state\ndata: {"a":1}\n\n');
  });

  it('writes no id line for an event without an id', () => {
    expect(sseEvent('hello', 'x')).toBe('event: hello\ndata: x\n\n');
  });

  it('gives each line of multi-line data (LF, CRLF or CR) its own data field, and an empty data its own empty field', () => {
    expect(sseEvent('e', 'a\nb\r\nc\rd\n')).toBe('event: e\ndata: a\ndata: b\ndata: c\ndata: d\ndata: \n\n');
    expect(sseEvent('e', '')).toBe('event: e\ndata: \n\n');
  });

  it('refuses a line break in the event name, and a line break or NUL in the id', () => {
    expect(() => sseEvent('a\nb', 'x')).toThrow(TypeError);
    expect(() => sseEvent('a\rb', 'x')).toThrow(TypeError);
    expect(() => sseEvent('e', 'x', '1\n2')).toThrow(TypeError);
    expect(() => sseEvent('e', 'x', '1\r')).toThrow(TypeError);
    expect(() => sseEvent('e', 'x', '1\0')).toThrow(TypeError);
  });

  it('writes a comment on one line, which readers skip', () => {
    expect(sseComment('keep\nalive')).toBe(': keep alive\n\n');
    expect(parse([sseComment('keep-alive'), sseEvent('e', 'x')])).toEqual([{ event: 'e', data: 'x' }]);
  });
});

describe('SseParser', () => {
  it('reads events whatever the line ends (LF, CRLF, CR, mixed), wherever the stream is cut, even between \\r and \\n', () => {
    const text = 'id: 1\r\nevent: a\r\ndata: one\r\ndata: two\r\n\r\nevent: b\rdata: three\r\rdata: four\n\nevent: c\r\ndata: five\n\r\n';
    const expected = [
      { event: 'a', data: 'one\ntwo', id: '1' },
      { event: 'b', data: 'three', id: '1' },
      { event: 'message', data: 'four', id: '1' },
      { event: 'c', data: 'five', id: '1' },
    ];
    expect(parse([text])).toEqual(expected);
    expect(parse([...text])).toEqual(expected);
    for (let cut = 0; cut <= text.length; cut++) expect(parse(cutAt(text, [cut]))).toEqual(expected);
    for (let cut = 0; cut <= text.length; cut++) expect(parse(cutAt(text, [cut, cut]))).toEqual(expected);
  });

  it('takes a \\n that opens a chunk after a chunk ending in \\r as one line end, not two', () => {
    // Read as two line ends, the \n would be a blank line: two events instead of one.
    expect(parse(['data: a\r', '\ndata: b\r\n\r\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
    expect(parse(['data: a\r', '', '\ndata: b\r\n\r\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('skips comments, retry and unknown fields', () => {
    expect(parse([': hello\n:\nretry: 10\nfoo: bar\ndata: x\n: between\ndata: y\n\n'])).toEqual([{ event: 'message', data: 'x\ny' }]);
  });

  it('reads `data:` without a space, takes off one space only, and reads a field without a colon as empty', () => {
    expect(parse(['data:x\ndata:  y\ndata\n\n'])).toEqual([{ event: 'message', data: 'x\n y\n' }]);
    expect(parse(['event:named\ndata:z\n\n'])).toEqual([{ event: 'named', data: 'z' }]);
  });

  it('dispatches nothing for an event without data, and forgets its event name', () => {
    expect(parse(['event: lonely\n\ndata: x\n\n'])).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('keeps the last event id for later events without one (the standard: the buffer is not reset), takes a new one, and ignores one with NUL', () => {
    const text = 'data: a\n\nid: 1\ndata: b\n\ndata: c\n\nid: 2\n\ndata: d\n\nid: x\0y\ndata: e\n\nid\ndata: f\n\n';
    expect(parse([text])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b', id: '1' },
      { event: 'message', data: 'c', id: '1' },
      // An id set on an event without data still counts (the buffer is set when the field is read).
      { event: 'message', data: 'd', id: '2' },
      { event: 'message', data: 'e', id: '2' },
      // An empty `id` field sets the last event id to the empty string.
      { event: 'message', data: 'f', id: '' },
    ]);
  });

  it('throws a RangeError for a line longer than its limit, as soon as the line outgrows it, whatever the chunks', () => {
    const parser = new SseParser(() => undefined, 100);
    parser.feed('data: ');
    parser.feed('x'.repeat(94));
    // 100 characters pending: at the limit, not past it.
    expect(() => parser.feed('x')).toThrow(RangeError);
    expect(() => parse(['data: ' + 'x'.repeat(200) + '\n\n'], 100)).toThrow(RangeError);
  });

  it('throws a RangeError for an event whose data lines add up past its limit, before it ends', () => {
    const parser = new SseParser(() => undefined, 100, 1000);
    const line = 'data: ' + 'x'.repeat(90) + '\n';
    parser.feed(line.repeat(10));
    expect(() => parser.feed(line)).toThrow(RangeError);
  });

  it('reads many lines whose total is past the limit when each line is within it', () => {
    const line = 'data: ' + 'x'.repeat(90) + '\n';
    const events = parse([line.repeat(20) + '\n'], 100);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toBe(Array.from({ length: 20 }, () => 'x'.repeat(90)).join('\n'));
  });

  it('reads back any events framed by sseEvent, whatever the line ends, cut at any points (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '\u{1F600}', ' ', ':', '\r', '\n', '\r\n', 'data: ', 'id: ', '\0') });
    const name = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', 'é'), minLength: 1 });
    const id = fc.option(fc.string({ unit: fc.constantFrom('a', '1', '.', ' ', ':') }), { nil: undefined });
    const events = fc.array(fc.record({ event: name, data: text, id }), { maxLength: 8 });
    fc.assert(
      fc.property(events, fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1 }), (sent, cuts, ends) => {
        // The hub ends lines with \n; a proxy may have rewritten them as any of the three the standard allows
        // (one kind per event: a \r then a \n would be one line end, \r\n).
        const stream = sent.map((event, index) => sseEvent(event.event, event.data, event.id).replace(/\n/g, ends[index % ends.length] as string)).join('');
        const read = parse(cutAt(stream, cuts.map((cut) => cut % (stream.length + 1))));
        // sseEvent writes each line break of data as its own field: it reads back as \n.
        let lastId: string | undefined;
        const expected = sent.map((event) => {
          lastId = event.id ?? lastId;
          return { event: event.event, data: event.data.replace(/\r\n|\r/g, '\n'), ...(lastId === undefined ? {} : { id: lastId }) };
        });
        expect(read).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
