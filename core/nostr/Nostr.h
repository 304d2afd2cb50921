// afk::nostr — Nostr identities and events for the studio: keys, NIP-01 events (serialize, id,
// sign, verify), bech32 / NIP-19 entities, NIP-49 encrypted keys, the on-disk key store, the relay
// pool (NIP-01, NIP-42), NIP-53 live events and their chat.
#pragma once

#include "Bech32.h"
#include "Event.h"
#include "EventId.h"
#include "Hex.h"
#include "JsonString.h"
#include "KeyPair.h"
#include "KeyStore.h"
#include "LiveChat.h"
#include "LiveEvent.h"
#include "LiveEventPublisher.h"
#include "Ncryptsec.h"
#include "Nip19.h"
#include "PublicKey.h"
#include "RelayConnection.h"
#include "RelayPool.h"
#include "RelayStatus.h"
#include "Schnorr.h"
#include "Secp256k1Context.h"
#include "SecretKey.h"
#include "Signature.h"
