import { StderrLogger } from './stderr-logger';

describe('StderrLogger (the CLI keeps stdout for its results)', () => {
  it('writes warnings, which ConsoleLogger sends to stdout, to stderr', () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const logger = new StderrLogger('Test', { logLevels: ['warn', 'log'] });
      logger.warn('slow query (1200 ms): SELECT 1');
      logger.log('seeded');
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toMatch(/slow query \(1200 ms\)[\s\S]*seeded/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
