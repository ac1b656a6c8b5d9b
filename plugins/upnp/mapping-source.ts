// Where the forwarded UPnP mappings come from: miniupnpd's nft table, checked by mwan's rules; each refusal logged once.
import {
  describeError,
  type FileService,
  type Logger,
  type NftFamily,
  type NftJsonItem,
} from '../../plugin-api/index.ts';
import { acceptedLeases, leaseDetails, MAX_LEASE_FILE, renderLeases, type LeaseLine } from './leases.ts';
import { mappingKey, type Mapping, type Refusal } from './mapping.ts';
import { CHAINS, type UpnpPaths } from './miniupnpd.ts';
import { mappingsFromNft } from './nft-mappings.ts';
import { checkMappings, type MappingRules } from './validate.ts';

export interface MappingSourceDeps {
  listNftTable: (family: NftFamily, name: string) => Promise<NftJsonItem[] | null>;
  /** Reads and writes the lease files. */
  files: FileService;
  /** miniupnpd's table (`inet <table>`). */
  table: string;
  paths: UpnpPaths;
  /** mwan's rules as of now (LAN networks and router addresses follow the world). */
  rules: () => MappingRules;
  log: Logger;
  /** Unix time in seconds. */
  now: () => number;
}

/** `listed`: protocol and external port (mappingKey) of every mapping rule in the table, checked or not. */
export interface MappingRead {
  mappings: Mapping[];
  refused: Refusal[];
  listed: Set<string>;
}

export class MappingSource {
  /** Refusals logged and still present: each is logged once, again only after it went away and came back. */
  private logged = new Set<string>();
  private listingFailed = false;
  private written: string | undefined;

  constructor(private readonly deps: MappingSourceDeps) {}

  /** The checked mappings in miniupnpd's table (none when it does not exist); undefined when it cannot be listed. */
  async read(): Promise<MappingRead | undefined> {
    const { log, table } = this.deps;
    let items: NftJsonItem[] | null;
    try {
      items = await this.deps.listNftTable('inet', table);
      this.listingFailed = false;
    } catch (error) {
      if (!this.listingFailed)
        log.warn({ err: error, table }, `UPnP: cannot list miniupnpd's table inet ${table}: ${describeError(error)}`);
      this.listingFailed = true;
      return undefined;
    }
    const listed = items ? mappingsFromNft(items, CHAINS.prerouting) : { mappings: [], refused: [] };
    const checked = checkMappings(listed.mappings, this.deps.rules());
    const refused = [...listed.refused, ...checked.refused];
    this.report(refused);
    return { mappings: checked.mappings, refused, listed: new Set(listed.mappings.map(mappingKey)) };
  }

  private report(refused: Refusal[]): void {
    const now = new Set<string>();
    for (const r of refused) {
      const key = `${r.what}\n${r.reason}`;
      now.add(key);
      if (!this.logged.has(key))
        this.deps.log.warn({ mapping: r.what, reason: r.reason }, `UPnP: refused ${r.what}: ${r.reason}`);
    }
    this.logged = now;
  }

  /**
   * Writes the accepted lease file (what miniupnpd gets back at its next start) when it changed: the checked mappings
   * with the end and description their own lease lines give, sanitised. Returns the leases written, undefined when
   * the file was already so.
   */
  async saveAccepted(mappings: Mapping[]): Promise<LeaseLine[] | undefined> {
    const leases = acceptedLeases(
      mappings,
      leaseDetails(await this.deps.files.readTextPrefix(this.deps.paths.leases, MAX_LEASE_FILE)),
      this.deps.now(),
    );
    const content = renderLeases(leases);
    if (content === this.written) return undefined;
    await this.deps.files.writeAtomic(this.deps.paths.accepted, content);
    this.written = content;
    return leases;
  }

  /** Forgets what was written last (another writer, the HA peer's copy, replaced the file). */
  forgetWritten(): void {
    this.written = undefined;
  }

  /** Creates an empty accepted lease file unless one exists (the first start after an upgrade restores nothing). */
  async ensureAccepted(): Promise<void> {
    await this.deps.files.createIfMissing(this.deps.paths.accepted, '');
  }
}
