import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Every open socket of a server, and every timer the server set: so that
 * closing ends all of them (a hanging response and an idle keep-alive
 * connection alike) and nothing is left running.
 */
export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closingFlag = false;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      if (this.closingFlag) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get open(): number {
    return this.sockets.size;
  }

  /** True once closing has begun: whatever ends from then on was ended by the server. */
  get closing(): boolean {
    return this.closingFlag;
  }

  /** `setTimeout` that closing cancels. */
  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels every timer and destroys every socket; resolves once all sockets have closed. */
  async closeAll(): Promise<void> {
    this.closingFlag = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(
      [...this.sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.destroy();
          }),
      ),
    );
  }
}
