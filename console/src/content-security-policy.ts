/**
 * The console's Content-Security-Policy: its own files only, no inline script or style, and
 * network access (`connect-src`) to itself (config.json) and to `connectSources` (the API and the
 * sign-in domain). CloudFront's response headers policy and the local stack's console server
 * both send it, so the browser tests would catch a console change that breaks it.
 */
export function consoleContentSecurityPolicy(connectSources: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // Vite inlines small images and fonts as data: URLs.
    "img-src 'self' data:",
    "font-src 'self' data:",
    "manifest-src 'self'",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
