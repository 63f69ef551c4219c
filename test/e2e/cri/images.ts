/**
 * The two images the CRI tests need, made offline: a pause image (a static C program
 * alone in its rootfs, the sandbox's init) and the busybox image. Both are imported
 * into containerd's k8s.io namespace, where the CRI plugin looks for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildOciArchive } from '../oci-image';
import type { PrivateContainerd } from '../private-containerd';
import { staticProgram } from '../../helpers/static-c';

export const PAUSE_IMAGE = 'docker.io/library/ocirt-e2e-pause:1';
export const BUSYBOX_IMAGE = 'docker.io/library/ocirt-e2e-busybox:latest';

// A pod's init: it waits for signals, reaps whatever is reparented to it (the pod's
// other processes, when they share its pid namespace) and exits on TERM or INT.
const PAUSE_C = `
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void quit(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGTERM, quit);
  signal(SIGINT, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
`;

/** Builds both archives under dir and imports them; throws with ctr's stderr on failure. */
export function importCriImages(containerd: PrivateContainerd, dir: string): void {
  const pause = staticProgram('cri-pause', PAUSE_C);
  const images = [
    buildOciArchive(path.join(dir, 'pause'), PAUSE_IMAGE, {
      populate: (rootfs) => {
        fs.copyFileSync(pause, path.join(rootfs, 'pause'));
        fs.chmodSync(path.join(rootfs, 'pause'), 0o755);
      },
      config: { Entrypoint: ['/pause'], WorkingDir: '/' },
    }),
    buildOciArchive(path.join(dir, 'busybox'), BUSYBOX_IMAGE),
  ];
  for (const image of images) {
    const r = containerd.ctr('k8s.io', ['images', 'import', image.file]);
    if (r.status !== 0) throw new Error(`ctr -n k8s.io images import ${image.file}: ${r.stderr.trim()}`);
    fs.rmSync(image.file);
  }
}
