import * as fs from 'fs';
import * as path from 'path';
import { PackageSource } from '../../lib';
import { AuditSettings } from '../../lib/postgres/audit-settings';

/** The package that installs each library the server may preload (PGDG's and Timescale's names). */
const PACKAGE_OF_LIBRARY: Record<string, string> = {
  timescaledb: 'timescaledb-2-postgresql-{version}',
  pgaudit: 'pgaudit_{version}',
};

function preloadedLibraries(conf: string): string[] {
  const line = conf.split('\n').find((l) => l.startsWith('shared_preload_libraries'));
  expect(line).toBeDefined();
  return line!.replace(/^shared_preload_libraries\s*=\s*'(.*)'$/, '$1').split(',').map((l) => l.trim());
}

describe('PackageSource.MIRROR_PACKAGES', () => {
  test('holds a package for every library the service preloads, pgaudit included', () => {
    // As the service renders it: TimescaleDB, with pgaudit added by the audit settings.
    const libraries = preloadedLibraries(AuditSettings.render({ sharedPreloadLibraries: ['timescaledb'] }));
    expect(libraries).toEqual(['timescaledb', 'pgaudit']);
    for (const library of libraries) {
      expect({ library, package: PACKAGE_OF_LIBRARY[library] }).toEqual({ library, package: expect.any(String) });
      expect(PackageSource.MIRROR_PACKAGES).toContain(PACKAGE_OF_LIBRARY[library]);
    }
  });

  test('holds the server, its contrib modules, what TimescaleDB\'s package requires and pgBackRest', () => {
    expect(PackageSource.MIRROR_PACKAGES).toEqual(expect.arrayContaining([
      'postgresql{version}', 'postgresql{version}-libs', 'postgresql{version}-server', 'postgresql{version}-contrib',
      'timescaledb-2-loader-postgresql-{version}', 'timescaledb-tools', 'pgbackrest',
    ]));
  });

  test('is the list the s3Bucket() documentation gives for PostgreSQL 16', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'host', 'package-source.ts'), 'utf8');
    const doc = source.slice(source.indexOf('RPMs you put in an S3 bucket'), source.indexOf('public static s3Bucket('));
    const documented = [...doc.matchAll(/`([a-z0-9_-]+)`/g)].map((m) => m[1]).filter((name) => /16|tools|pgbackrest/.test(name));
    expect(documented.sort()).toEqual(PackageSource.MIRROR_PACKAGES.map((p) => p.split('{version}').join('16')).sort());
  });
});
