/**
 * Loads @nestjs/common with the two timestamp formatters its loggers build at load time
 * (`new Intl.DateTimeFormat(undefined, …)` in logger.service.js and console-logger.service.js) made
 * lazy: the real formatter is built the first time a readable log line asks for a timestamp.
 *
 * Why: building any Intl formatter makes V8 work out which locales ICU has, opening every locale's
 * resource bundle in the ICU data built into the node binary. Each page that touches is mapped with its
 * neighbours (the kernel's fault-around), ~9 MB of the binary in all, resident for the life of the
 * process and counted in its RSS. An app that logs JSON never formats a timestamp with it.
 * Measured on Node 24 (issue 28, bench/README.md): importing @nestjs/common 77 -> 68 MB of RSS; the
 * auth-server idle after its start 119 -> 113 MB.
 *
 * Imported by each app's main.ts right after its tracing (which must hook modules before they load) and
 * before anything else loads @nestjs/common. Only the formatters built while @nestjs/common loads
 * are lazy: `Intl.DateTimeFormat` is the real one again before this returns.
 */
export function loadNestCommonWithLazyTimestamps(): void {
  const RealDateTimeFormat = Intl.DateTimeFormat;
  const lazyDateTimeFormat = function DateTimeFormat(locales?: string | string[], options?: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    let real: Intl.DateTimeFormat | undefined;
    const formatter = (): Intl.DateTimeFormat => (real ??= new RealDateTimeFormat(locales, options));
    // Every property is the real formatter's (methods bound to it), so any use Nest makes of it works.
    return new Proxy(Object.create(RealDateTimeFormat.prototype) as Intl.DateTimeFormat, {
      get(_target, property) {
        const target = formatter();
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  Intl.DateTimeFormat = lazyDateTimeFormat as unknown as typeof Intl.DateTimeFormat;
  try {
    require('@nestjs/common');
  } finally {
    Intl.DateTimeFormat = RealDateTimeFormat;
  }
}

loadNestCommonWithLazyTimestamps();
