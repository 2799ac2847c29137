import { StringDecoder } from 'node:string_decoder';

/**
 * The complete lines of a byte stream (watch events, log lines). A last line without its newline is
 * never yielded: a stream that drops mid-line would otherwise pass on half a line, and its resumption
 * brings the whole line again.
 */
export async function* completeLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      yield rest.slice(0, newline).replace(/\r$/, '');
      rest = rest.slice(newline + 1);
      newline = rest.indexOf('\n');
    }
  }
}
