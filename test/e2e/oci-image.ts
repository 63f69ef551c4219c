/**
 * An OCI image made offline from the busybox rootfs: one uncompressed layer, a config,
 * a manifest and index.json, written as an OCI image layout and packed as an OCI archive
 * (what `ctr images import` and `podman load` read). No registry is involved.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBusyboxRootfs } from '../helpers/busybox-rootfs';

export interface OciArchive {
  /** The .tar file. */
  file: string;
  /** The image's name, as both engines list it after loading. */
  name: string;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ImageOptions {
  /** Fills the rootfs (default: the busybox rootfs). */
  populate?: (rootfs: string) => void;
  /** The image config's `config` (default: PATH=/bin, Cmd sh). */
  config?: Record<string, unknown>;
  /** The archive's file name under dir (default image.oci.tar). */
  file?: string;
}

/** Builds the archive under dir. `name` must be fully qualified (docker.io/library/x:tag). */
export function buildOciArchive(dir: string, name: string, opts: ImageOptions = {}): OciArchive {
  const rootfs = path.join(dir, 'image-rootfs');
  const layout = path.join(dir, 'image-layout');
  fs.mkdirSync(rootfs, { recursive: true });
  (opts.populate ?? makeBusyboxRootfs)(rootfs);
  fs.chmodSync(rootfs, 0o755);
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });

  const blob = (mediaType: string, data: Buffer): Descriptor => {
    const hex = crypto.createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), data);
    return { mediaType, digest: `sha256:${hex}`, size: data.length };
  };

  const layerFile = path.join(dir, 'layer.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', layerFile, '.']);
  const layer = blob('application/vnd.oci.image.layer.v1.tar', fs.readFileSync(layerFile));
  fs.rmSync(layerFile);
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(JSON.stringify({
      architecture: goArch(),
      os: 'linux',
      config: opts.config ?? { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      history: [{ created_by: 'ocirt e2e test: busybox rootfs' }],
    })),
  );
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] })),
  );
  const tag = name.slice(name.lastIndexOf(':') + 1);
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const file = path.join(dir, opts.file ?? 'image.oci.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', layout, '-cf', file, '.']);
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.rmSync(layout, { recursive: true, force: true });
  return { file, name };
}

function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}
