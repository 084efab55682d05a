import { PostgresqlConf } from '../../lib/postgres';
import { quoteConfValue } from '../../lib/postgres/conf-quote';

describe('PostgresqlConf.parse', () => {
  test('reads comments, optional =, quotes, escapes and qualified names; the last assignment wins', () => {
    expect(PostgresqlConf.parse([
      '# a comment',
      '',
      '  ssl = on   # trailing',
      "listen_addresses '*'",
      'Max_Connections=100',
      "log_line_prefix = '%m [%p] it''s \\'quoted\\' \\\\ # not a comment'",
      "pgaudit.log = 'ddl, role'",
      'shared_buffers 128MB',
      "ssl = 'off'",
      'ssl = on',
      "escapes = 'a\\tb\\101'",
      "include_dir 'conf.d'",
    ].join('\n'))).toEqual({
      'ssl': 'on',
      'listen_addresses': '*',
      'max_connections': '100',
      'log_line_prefix': "%m [%p] it's 'quoted' \\ # not a comment",
      'pgaudit.log': 'ddl, role',
      'shared_buffers': '128MB',
      'escapes': 'a\tbA',
    });
  });

  test('reads unquoted numbers with units, hex, reals and unquoted strings as PostgreSQL lexes them', () => {
    expect(PostgresqlConf.parse('a = 0x1F\nb = -1.5e3\nc = 4MB\nd = en_US.UTF-8\ne = plain-1.2:/x')).toEqual({
      a: '0x1F', b: '-1.5e3', c: '4MB', d: 'en_US.UTF-8', e: 'plain-1.2:/x',
    });
  });

  test('returns include directives as entries, in order', () => {
    expect(PostgresqlConf.parseEntries("ssl = on\ninclude_if_exists = 'extra.conf'\ninclude 'a.conf'\ninclude_dir '/etc/timescale/conf.d'"))
      .toEqual([
        { line: 1, name: 'ssl', value: 'on', isInclude: false },
        { line: 2, name: 'include_if_exists', value: 'extra.conf', isInclude: true },
        { line: 3, name: 'include', value: 'a.conf', isInclude: true },
        { line: 4, name: 'include_dir', value: '/etc/timescale/conf.d', isInclude: true },
      ]);
  });

  test.each([
    ["ssl = 'on", /postgresql\.conf line 1: the quoted value is not terminated/],
    ['= on', /line 1: the parameter name is missing or malformed/],
    ['ssl =', /line 1: the parameter 'ssl' has no value/],
    ['ssl = on off', /line 1: unexpected text 'off' after the value/],
    ['ok = 1\nbad.name.x = 1', /line 2: '\.x = 1' is not a value PostgreSQL reads unquoted/],
    ['data_directory = /var/lib/pg', /'\/var\/lib\/pg' is not a value PostgreSQL reads unquoted \(quote it\)/],
    ['x = 1e3', /unexpected text '3' after the value/],
    ['x = a$b', /unexpected text '\$b' after the value/],
  ])('fails on %j', (text, message) => {
    expect(() => PostgresqlConf.parse(text)).toThrow(message);
  });

  test('reads back every value quoteConfValue writes', () => {
    for (const value of ["it's", 'back\\slash', '%m [%p] ', '#hash', '', "''"]) {
      expect(PostgresqlConf.parse(`x = ${quoteConfValue(value)}`).x).toBe(value);
    }
    expect(() => quoteConfValue('a\nb')).toThrow(/cannot contain line breaks or control characters; got "a\\nb"/);
  });
});
