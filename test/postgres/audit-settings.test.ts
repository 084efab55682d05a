import { AuditLogClass, AuditSettings, PostgresqlConf } from '../../lib/postgres';

describe('AuditSettings.render', () => {
  test('preloads timescaledb and pgaudit, logs DDL and role changes, connections and who/where by default', () => {
    expect(PostgresqlConf.parse(AuditSettings.render())).toEqual({
      'shared_preload_libraries': 'timescaledb,pgaudit',
      'pgaudit.log': 'ddl, role',
      'pgaudit.log_catalog': 'off',
      'pgaudit.log_parameter': 'off',
      'pgaudit.log_relation': 'on',
      'pgaudit.log_statement_once': 'off',
      'log_connections': 'on',
      'log_disconnections': 'on',
      'log_line_prefix': '%m [%p] %quser=%u db=%d app=%a client=%h session=%c ',
    });
  });

  test('the log line prefix names the user, database, application and client', () => {
    for (const escape of ['%u', '%d', '%a', '%h']) {
      expect(AuditSettings.LOG_LINE_PREFIX).toContain(escape);
    }
  });

  test('renders the chosen classes, catalog and parameter logging, and an object audit role', () => {
    const settings = PostgresqlConf.parse(AuditSettings.render({
      sessionLogClasses: [AuditLogClass.WRITE, AuditLogClass.DDL, AuditLogClass.WRITE],
      logCatalog: true,
      logParameter: true,
      objectAuditRole: 'auditor',
      sharedPreloadLibraries: ['timescaledb', 'pg_stat_statements', 'pgaudit'],
    }));
    expect(settings).toMatchObject({
      'pgaudit.log': 'write, ddl',
      'pgaudit.log_catalog': 'on',
      'pgaudit.log_parameter': 'on',
      'pgaudit.role': 'auditor',
      'shared_preload_libraries': 'timescaledb,pg_stat_statements,pgaudit',
    });
  });

  test('renders none for an empty class list', () => {
    expect(PostgresqlConf.parse(AuditSettings.render({ sessionLogClasses: [] }))['pgaudit.log']).toBe('none');
  });

  test('is stable text', () => {
    expect(AuditSettings.render()).toMatchSnapshot();
  });

  test.each([
    [{ sessionLogClasses: ['everything' as AuditLogClass] }, /sessionLogClasses contains "everything", which is not a pgaudit class\. Accepted: 'read'/],
    [{ objectAuditRole: 'Auditor Role' }, /objectAuditRole must be a lower-case role name.*got "Auditor Role"/],
    [{ objectAuditRole: 'pg_monitor' }, /not starting with pg_/],
    [{ sharedPreloadLibraries: ["timescaledb'; ssl = off"] }, /The shared preload library "timescaledb'; ssl = off" is not accepted/],
  ])('fails for %j', (options, message) => {
    expect(() => AuditSettings.render(options)).toThrow(message);
  });
});

describe('AuditSettings.renderSharedPreloadLibraries', () => {
  test('renders the list in order without duplicates', () => {
    expect(AuditSettings.renderSharedPreloadLibraries(['timescaledb', 'pgaudit', 'timescaledb'])).toBe("shared_preload_libraries = 'timescaledb,pgaudit'");
  });

  test('a later audit fragment wins over the base fragment and keeps its libraries', () => {
    const base = AuditSettings.renderSharedPreloadLibraries(['timescaledb']);
    const merged = PostgresqlConf.parse(`${base}\n${AuditSettings.render({ sharedPreloadLibraries: ['timescaledb'] })}`);
    expect(merged.shared_preload_libraries).toBe('timescaledb,pgaudit');
  });

  test('fails for a library name with a path', () => {
    expect(() => AuditSettings.renderSharedPreloadLibraries(['/tmp/evil'])).toThrow(/is not accepted: a library is named by its file name/);
  });
});
