-- Signature checks look the signer up by the id of its public key (remote.Resolver.get_key) on
-- every signed request; keep that an index lookup.
CREATE INDEX accounts_public_key_id ON accounts (public_key_id);
