/**
 * @module The integrator portal's built files, as both sides of the build see them: the build
 * (portal/build.ts) makes them, the portal function (lambdas/handlers/portal.ts) serves them.
 * No dependency, so the function's bundle takes these names and nothing of the build.
 */

/** Each file the portal is made of, and the content type it is served with. */
export const PORTAL_FILES = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
} as const;

export type PortalFileName = keyof typeof PORTAL_FILES;

export interface PortalAsset {
  readonly body: string;
  readonly contentType: string;
}

export type PortalAssets = Readonly<Record<PortalFileName, PortalAsset>>;

export const PORTAL_FILE_NAMES = Object.keys(PORTAL_FILES) as readonly PortalFileName[];

/** The files from their bodies, each with its content type; a file without a body is an error naming it. */
export function portalAssetsOf(bodyOf: (name: PortalFileName) => string | undefined): PortalAssets {
  const asset = (name: PortalFileName): PortalAsset => {
    const body = bodyOf(name);
    if (body === undefined) throw new Error(`the portal has no ${name}`);
    return { body, contentType: PORTAL_FILES[name] };
  };
  return Object.fromEntries(PORTAL_FILE_NAMES.map((name) => [name, asset(name)])) as PortalAssets;
}

/** The folder beside the deployed function's index.mjs that holds the files. */
export const PORTAL_BUNDLE_DIR = "portal";
