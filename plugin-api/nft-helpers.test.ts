// The shared nft rule-text helpers: sets, port matches and DNAT statements.
import assert from 'node:assert/strict';
import { dnatStatement, nftSet, portMatch } from './nft-helpers.ts';

describe('nft helpers', () => {
  it('renders sets of names (quoted) and of addresses', () => {
    assert.equal(nftSet(['wan1', 'wan2']), '{ "wan1", "wan2" }');
    assert.equal(nftSet(['100.64.1.2', '100.64.2.2'], false), '{ 100.64.1.2, 100.64.2.2 }');
  });

  it('renders ports and targets', () => {
    assert.equal(portMatch('udp', 53), 'udp dport 53');
    assert.equal(portMatch('tcp', '8000-8010'), 'tcp dport 8000-8010');
    assert.throws(() => portMatch('tcp', '90-80'), /invalid forward port/);
    assert.equal(dnatStatement({ to: '10.0.0.5:8080' }), 'dnat ip to 10.0.0.5:8080');
    assert.equal(dnatStatement({ to: '10.0.0.5' }), 'dnat ip to 10.0.0.5');
  });
});
