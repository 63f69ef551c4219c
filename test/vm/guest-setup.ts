// In the guest, tests block the event loop for seconds at a time (spawnSync of ocirt on
// an emulated CPU). vitest's worker talks to the main process over RPC with a 60 s
// reply timeout, and a worker that never reaches the poll phase between synchronous
// tests sees its timer fire before the reply is read. A short wait after each test lets
// the replies in.
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 10)));
