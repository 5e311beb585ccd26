/*
 * ima.h - SNIA iSCSI Management API (IMA 1.1) as implemented by this project's libima.so.
 *
 * Written for this project from the field lists and values recorded in
 * docs/ima-notes.md; it matches the Rust definitions in the ima-abi crate, whose layout is
 * asserted at compile time for x86-64 Linux. IMA_STATUS uses the "SOLARIS" variant of the
 * SNIA header: an unsigned long carrying a 32-bit code.
 *
 * Configuration: /etc/ima.conf (override with the environment variable IMA_CONF);
 * shared-node state: /var/lib/ima/shared-node (override with IMA_NODE_STATE).
 *
 * The types marked PROVISIONAL (IMA_TARGET_AUTHPARMS, IMA_TARGET_AUTHPARMS_LIST,
 * IMA_DIGEST_PROPERTIES, IMA_MARKER_INT) have no published layout; these are this
 * project's definitions and may change.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef IMA_H
#define IMA_H

#include <stddef.h>
#include <time.h>
#include <wchar.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Primitive types (docs/ima-notes.md 1.1) ---- */
typedef unsigned char IMA_UINT8;
typedef char IMA_INT8;
typedef unsigned short IMA_UINT16;
typedef short IMA_INT16;
typedef unsigned int IMA_UINT32;
typedef int IMA_INT32;
typedef long long IMA_UINT64; /* signed in the SNIA header */
typedef long long IMA_INT64;
typedef unsigned long IMA_UINT;
typedef void *IMA_PVOID;
typedef IMA_UINT32 IMA_VOID32;
typedef IMA_UINT32 IMA_BOOL;
typedef IMA_UINT32 IMA_XBOOL;
typedef char IMA_CHAR;
typedef wchar_t IMA_WCHAR;
typedef unsigned char IMA_BYTE;
typedef struct tm IMA_DATETIME;

#define IMA_TRUE 1
#define IMA_FALSE 0
#define IMA_UNKNOWN 0xFFFFFFFFU

/* ---- Status codes (1.2) ---- */
typedef IMA_UINT IMA_STATUS;

#define IMA_STATUS_SUCCESS                          0x00000000UL
#define IMA_STATUS_REBOOT_NECESSARY                 0x00000001UL
#define IMA_STATUS_INCONSISTENT_NODE_PROPERTIES     0x00000002UL
#define IMA_STATUS_SCSI_STATUS_CONDITION_MET        0x00000100UL
#define IMA_STATUS_ERROR                            0x80000000UL
#define IMA_ERROR_NOT_SUPPORTED                     0x80000001UL
#define IMA_ERROR_INSUFFICIENT_MEMORY               0x80000002UL
#define IMA_ERROR_LAST_PRIMARY_DISCOVERY_METHOD     0x80000003UL
#define IMA_ERROR_UNEXPECTED_OS_ERROR               0x80000004UL
#define IMA_ERROR_SYNC_TIMEOUT                      0x80000005UL
#define IMA_ERROR_LU_EXPOSED                        0x80000006UL
#define IMA_ERROR_LU_NOT_EXPOSED                    0x80000007UL
#define IMA_ERROR_LU_IN_USE                         0x80000008UL
#define IMA_ERROR_TARGET_TIMEOUT                    0x80000009UL
#define IMA_ERROR_LOGIN_REJECTED                    0x8000000AUL
#define IMA_ERROR_STATS_COLLECTION_NOT_ENABLED      0x8000000BUL
#define IMA_ERROR_SCSI_STATUS_CHECK_CONDITION       0x80000100UL
#define IMA_ERROR_SCSI_STATUS_BUSY                  0x80000101UL
#define IMA_ERROR_SCSI_STATUS_RESERVATION_CONFLICT  0x80000102UL
#define IMA_ERROR_SCSI_STATUS_TASK_SET_FULL         0x80000103UL
#define IMA_ERROR_SCSI_STATUS_ACA_ACTIVE            0x80000104UL
#define IMA_ERROR_SCSI_STATUS_TASK_ABORTED          0x80000105UL
#define IMA_ERROR_INVALID_PARAMETER                 0xC0000000UL
#define IMA_ERROR_INVALID_OBJECT_TYPE               0xC0000001UL
#define IMA_ERROR_INCORRECT_OBJECT_TYPE             0xC0000002UL
#define IMA_ERROR_OBJECT_NOT_FOUND                  0xC0000003UL
#define IMA_ERROR_NAME_TOO_LONG                     0xC0000004UL
#define IMA_ERROR_UNKNOWN_ERROR                     0x8FFFFFFFUL

/* Bit 31 clear means success (the SNIA SOLARIS-variant IMA_ERROR macro has a typo; not copied). */
#define IMA_SUCCESS(status) ((((IMA_STATUS)(status)) & IMA_STATUS_ERROR) == 0)
#define IMA_ERROR(status) ((((IMA_STATUS)(status)) & IMA_STATUS_ERROR) != 0)
#define GET_SYSTEM_ERROR(status) (((IMA_STATUS)(status)) & 0x0000FFFFUL)

/* ---- Enumerations and constants (1.3) ---- */
typedef enum {
    IMA_OBJECT_TYPE_UNKNOWN = 0,
    IMA_OBJECT_TYPE_PLUGIN = 1,
    IMA_OBJECT_TYPE_NODE = 2,
    IMA_OBJECT_TYPE_LHBA = 3,
    IMA_OBJECT_TYPE_PHBA = 4,
    IMA_OBJECT_TYPE_NETWORK_PORTAL = 5,
    IMA_OBJECT_TYPE_PORTAL_GROUP = 6,
    IMA_OBJECT_TYPE_LNP = 7,
    IMA_OBJECT_TYPE_PNP = 8,
    IMA_OBJECT_TYPE_TARGET = 9,
    IMA_OBJECT_TYPE_LU = 10,
    IMA_OBJECT_TYPE_DISCOVERY_ADDRESS = 11,
    IMA_OBJECT_TYPE_STATIC_DISCOVERY_TARGET = 12,
    IMA_OBJECT_TYPE_CONNECTION = 13,
    IMA_OBJECT_TYPE_SESSION = 14
} IMA_OBJECT_TYPE;

typedef enum {
    IMA_ISNS_DISCOVERY_METHOD_STATIC = 0,
    IMA_ISNS_DISCOVERY_METHOD_DHCP = 1,
    IMA_ISNS_DISCOVERY_METHOD_SLP = 2
} IMA_ISNS_DISCOVERY_METHOD;

typedef enum {
    IMA_DOWNLOAD_IMAGE_TYPE_FIRMWARE = 0,
    IMA_DOWNLOAD_IMAGE_TYPE_OPTION_ROM = 1,
    IMA_DOWNLOAD_IMAGE_TYPE_ALL = 2,
    IMA_DOWNLOAD_IMAGE_TYPE_BOOTCODE = 3
} IMA_PHBA_DOWNLOAD_IMAGE_TYPE;

typedef enum {
    IMA_PHBA_STATUS_WORKING = 0,
    IMA_PHBA_STATUS_FAILED = 1
} IMA_PHBA_STATUS;

typedef enum {
    IMA_NETWORK_PORT_STATUS_WORKING = 0,
    IMA_NETWORK_PORT_STATUS_DEGRADED = 1,
    IMA_NETWORK_PORT_STATUS_CRITICAL = 2,
    IMA_NETWORK_PORT_STATUS_FAILED = 3,
    IMA_NETWORK_PORT_STATUS_DISCONNECTED = 4
} IMA_NETWORK_PORT_STATUS;

typedef enum {
    IMA_TARGET_DISCOVERY_METHOD_STATIC = 1,
    IMA_TARGET_DISCOVERY_METHOD_SLP = 2,
    IMA_TARGET_DISCOVERY_METHOD_ISNS = 4,
    IMA_TARGET_DISCOVERY_METHOD_SENDTARGETS = 8
} IMA_TARGET_DISCOVERY_METHOD;

typedef enum {
    IMA_AUTHMETHOD_NONE = 0,
    IMA_AUTHMETHOD_CHAP = 1,
    IMA_AUTHMETHOD_SRP = 2,
    IMA_AUTHMETHOD_KRB5 = 3,
    IMA_AUTHMETHOD_SPKM1 = 4,
    IMA_AUTHMETHOD_SPKM2 = 5
} IMA_AUTHMETHOD;

typedef enum {
    IMA_COMMIT_TYPE_AUTO = 0,
    IMA_COMMIT_TYPE_ACTIVE = 1,
    IMA_COMMIT_TYPE_PERSISTENT = 2,
    IMA_COMMIT_TYPE_ACTIVE_AND_PERSISTENT = 3,
    IMA_COMMIT_TYPE_ALL_WITH_RESET = 4
} IMA_COMMIT_LEVEL;

typedef enum {
    IMA_DIGEST_NONE = 0,
    IMA_DIGEST_CRC32C = 1
} IMA_DIGEST_TYPE;

#define IMA_ULP_TCP 0x01
#define IMA_ULP_SCTP 0x02
#define IMA_ULP_UDP 0x04

#define RL_LIBRARY_SEQNUM 0
#define RL_SHARED_NODE_SEQNUM 0
#define IMA_MAX_NUM_PLUGINS 32
#define IMA_MAX_CALLBACK_PER_PLUGIN 64
#define IMA_HOST_NAME_LEN 256
#define IMA_NODE_NAME_LEN 224
#define IMA_NODE_ALIAS_LEN 256

/* ---- Strings and OIDs (1.3, 1.4) ---- */
typedef IMA_WCHAR IMA_HOST_NAME[IMA_HOST_NAME_LEN];
typedef IMA_WCHAR IMA_NODE_NAME[IMA_NODE_NAME_LEN];
typedef IMA_WCHAR IMA_NODE_ALIAS[IMA_NODE_ALIAS_LEN];
typedef wchar_t IMA_DOMAIN_NAME[256];
typedef IMA_BYTE IMA_MAC_ADDRESS[6];

typedef struct _IMA_OID {
    IMA_OBJECT_TYPE objectType;
    IMA_UINT32 ownerId;
    IMA_UINT64 objectSequenceNumber;
} IMA_OID;

typedef struct _IMA_OID_LIST {
    IMA_UINT oidCount;
    IMA_OID oids[1];
} IMA_OID_LIST;

/* ---- Addresses (1.5) ---- */
typedef struct _IMA_IP_ADDRESS {
    IMA_BOOL ipv4Address;
    IMA_BYTE ipAddress[16];
} IMA_IP_ADDRESS;

typedef struct _IMA_ADDRESS_KEY {
    IMA_IP_ADDRESS ipAddress;
    IMA_UINT16 portNumber;
} IMA_ADDRESS_KEY;

typedef struct _IMA_ADDRESS_KEYS {
    IMA_UINT addressKeyCount;
    IMA_ADDRESS_KEY addressKeys[1];
} IMA_ADDRESS_KEYS;

typedef struct _IMA_ADDRESS_KEY_PROPERTIES {
    IMA_UINT addressKeyCount;
    IMA_ADDRESS_KEY addressKeys[1];
} IMA_ADDRESS_KEY_PROPERTIES;

typedef struct _IMA_HOST_ID {
    IMA_BOOL hostnameInUse;
    union {
        IMA_HOST_NAME hostname;
        IMA_IP_ADDRESS ipAddress;
    } id;
} IMA_HOST_ID;

typedef struct _IMA_TARGET_ADDRESS {
    IMA_HOST_ID hostnameIpAddress;
    IMA_UINT16 portNumber;
} IMA_TARGET_ADDRESS;

typedef struct _IMA_STATIC_DISCOVERY_TARGET {
    IMA_NODE_NAME targetName;
    IMA_TARGET_ADDRESS targetAddress;
} IMA_STATIC_DISCOVERY_TARGET;

typedef struct _IMA_DISCOVERY_ADDRESS_PROPERTIES {
    IMA_OID associatedNodeOid;
    IMA_OID associatedLhbaOid;
    IMA_TARGET_ADDRESS discoveryAddress;
} IMA_DISCOVERY_ADDRESS_PROPERTIES;

typedef struct _IMA_STATIC_TGT_PROPERTIES {
    IMA_OID associatedNodeOid;
    IMA_OID associatedLhbaOid;
    IMA_STATIC_DISCOVERY_TARGET staticTarget;
} IMA_STATIC_DISCOVERY_TARGET_PROPERTIES;

/* ---- Library, plugin, node, HBA ---- */
typedef struct _IMA_LIBRARY_PROPERTIES {
    IMA_UINT supportedImaVersion;
    IMA_WCHAR vendor[256];
    IMA_WCHAR implementationVersion[256];
    IMA_WCHAR fileName[256];
    IMA_DATETIME buildTime;
    IMA_BYTE reserved[64];
} IMA_LIBRARY_PROPERTIES;

typedef struct _IMA_PLUGIN_PROPERTIES {
    IMA_UINT supportedImaVersion;
    IMA_WCHAR vendor[256];
    IMA_WCHAR implementationVersion[256];
    IMA_WCHAR fileName[256];
    IMA_DATETIME buildTime;
    IMA_BOOL lhbasCanBeCreatedAndDestroyed;
    IMA_BYTE reserved[64];
} IMA_PLUGIN_PROPERTIES;

typedef struct _IMA_NODE_PROPERTIES {
    IMA_BOOL runningInInitiatorMode;
    IMA_BOOL runningInTargetMode;
    IMA_BOOL nameValid;
    IMA_NODE_NAME name;
    IMA_BOOL aliasValid;
    IMA_NODE_ALIAS alias;
    IMA_BOOL nameAndAliasSettable;
    IMA_BYTE reserved[64];
} IMA_NODE_PROPERTIES;

typedef struct _IMA_LHBA_PROPERTIES {
    IMA_WCHAR osDeviceName[256];
    IMA_BOOL luExposingSupported;
    IMA_BOOL isDestroyable;
    IMA_BOOL staleDataRemovable;
    IMA_UINT staleDataSize;
    IMA_BOOL initiatorAuthMethodsSettable;
    IMA_BOOL targetAuthMethodsSettable;
    IMA_BYTE reserved[128];
} IMA_LHBA_PROPERTIES;

typedef struct _IMA_PHBA_PROPERTIES {
    IMA_WCHAR vendor[64];
    IMA_WCHAR model[256];
    IMA_WCHAR description[256];
    IMA_WCHAR serialNumber[64];
    IMA_WCHAR hardwareVersion[256];
    IMA_WCHAR asicVersion[256];
    IMA_WCHAR firmwareVersion[256];
    IMA_WCHAR optionRomVersion[256];
    IMA_WCHAR driverName[256];
    IMA_WCHAR driverVersion[256];
    IMA_UINT supportedUlps;
    IMA_XBOOL bidirectionalTransfersSupported;
    IMA_UINT maximumCdbLength;
    IMA_XBOOL canBeNic;
    IMA_XBOOL isNic;
    IMA_XBOOL isInitiator;
    IMA_XBOOL isTarget;
    IMA_XBOOL usingTcpOffloadEngine;
    IMA_XBOOL usingIscsiOffloadEngine;
    IMA_BYTE reserved[128];
} IMA_PHBA_PROPERTIES;

typedef struct _IMA_PHBA_DOWNLOAD_PROPERTIES {
    IMA_BOOL isPhbaDownloadFileSupported;
    IMA_BOOL optionRomDownloadSupported;
    IMA_BOOL firmwareDownloadSupported;
    IMA_BYTE reserved[32];
} IMA_PHBA_DOWNLOAD_PROPERTIES;

typedef struct _IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES {
    IMA_PHBA_DOWNLOAD_IMAGE_TYPE imageType;
    IMA_WCHAR version[32];
    IMA_WCHAR description[512];
    IMA_XBOOL upgrade;
} IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES;

typedef struct _IMA_IPSEC_PROPERTIES {
    IMA_BOOL ipsecSupported;
    IMA_BOOL implementedInHardware;
    IMA_BOOL implementedInSoftware;
    IMA_BYTE reserved[32];
} IMA_IPSEC_PROPERTIES;

typedef struct _IMA_DISCOVERY_PROPERTIES {
    IMA_BOOL iSnsDiscoverySettable;
    IMA_XBOOL iSnsDiscoveryEnabled;
    IMA_ISNS_DISCOVERY_METHOD iSnsDiscoveryMethod;
    IMA_HOST_ID iSnsHost;
    IMA_BOOL slpDiscoverySettable;
    IMA_XBOOL slpDiscoveryEnabled;
    IMA_BOOL staticDiscoverySettable;
    IMA_XBOOL staticDiscoveryEnabled;
    IMA_BOOL sendTargetsDiscoverySettable;
    IMA_XBOOL sendTargetsDiscoveryEnabled;
    IMA_BYTE reserved[128];
} IMA_DISCOVERY_PROPERTIES;

/* ---- Network ports and portals ---- */
typedef struct _IMA_IP_PROPERTIES {
    IMA_BOOL ipConfigurationMethodSettable;
    IMA_BOOL dhcpConfigurationEnabled;
    IMA_BOOL subnetMaskSettable;
    IMA_BOOL subnetMaskValid;
    IMA_IP_ADDRESS subnetMask;
    IMA_BOOL defaultGatewaySettable;
    IMA_BOOL defaultGatewayValid;
    IMA_IP_ADDRESS defaultGateway;
    IMA_BOOL primaryDnsServerAddressSettable;
    IMA_BOOL primaryDnsServerAddressValid;
    IMA_IP_ADDRESS primaryDnsServerAddress;
    IMA_BOOL alternateDnsServerAddressSettable;
    IMA_BOOL alternateDnsServerAddressValid;
    IMA_IP_ADDRESS alternateDnsServerAddress;
    IMA_BYTE reserved[64];
} IMA_IP_PROPERTIES;

typedef struct _IMA_LNP_PROPERTIES {
    IMA_MAC_ADDRESS macAddress;
    IMA_BOOL macAddressSettable;
    IMA_BYTE reserved[32];
} IMA_LNP_PROPERTIES;

typedef struct _IMA_PNP_PROPERTIES {
    IMA_OID associatedPhbaOid;
    IMA_MAC_ADDRESS macAddress;
    IMA_BOOL macAddressSettable;
    IMA_UINT maximumTransferRate;
    IMA_UINT currentTransferRate;
    IMA_UINT maximumFrameSize;
    IMA_BYTE reserved[64];
} IMA_PNP_PROPERTIES;

typedef struct _IMA_PNP_STATISTICS {
    IMA_UINT64 bytesSent;
    IMA_UINT32 pdusSent;
    IMA_UINT64 bytesReceived;
    IMA_UINT32 pdusReceived;
} IMA_PNP_STATISTICS;

typedef struct _IMA_NETWORK_PORTAL_PROPERTIES {
    IMA_IP_ADDRESS ipAddress;
    IMA_OID associatedLnp;
    IMA_BYTE reserved[32];
} IMA_NETWORK_PORTAL_PROPERTIES;

/* ---- Targets, LUs, sessions, connections, statistics ---- */
typedef struct _IMA_TARGET_PROPERTIES {
    IMA_OID associatedNodeOid;
    IMA_OID associatedLhbaOid;
    IMA_NODE_NAME name;
    IMA_NODE_ALIAS alias;
    IMA_UINT32 discoveryMethodFlags;
    IMA_BOOL sendTargetsDiscoverySettable;
    IMA_BOOL sendTargetsDiscoveryEnabled;
    IMA_BYTE reserved[128];
} IMA_TARGET_PROPERTIES;

typedef struct _IMA_TARGET_ERROR_STATISTICS {
    IMA_BOOL loginFailedCountValid;
    IMA_UINT32 loginFailedCount;
    IMA_BOOL sessionFailedCountValid;
    IMA_UINT32 sessionFailedCount;
    IMA_BOOL headerOrDigestSessionFailedCountValid;
    IMA_UINT32 headerOrDigestSessionFailedCount;
    IMA_BOOL timeLimitExceededSessionFailedCountValid;
    IMA_UINT32 timeLimitExceededSessionFailedCount;
    IMA_BOOL formatErrorSessionFailedCountValid;
    IMA_UINT32 formatErrorSessionFailedCount;
    IMA_BOOL closedConnectionDueToTimeoutCountValid;
    IMA_UINT32 closedConnectionDueToTimeoutCount;
    IMA_BOOL lastLoginFailureTimeValid;
    IMA_DATETIME lastLoginFailureTime;
    IMA_BYTE reserved[64];
} IMA_TARGET_ERROR_STATISTICS;

typedef struct _IMA_LU_PROPERTIES {
    IMA_OID associatedTargetOid;
    IMA_UINT64 targetLun;
    IMA_BOOL exposedToOs;
    IMA_DATETIME timeExposedToOs;
    IMA_BOOL osDeviceNameValid;
    IMA_WCHAR osDeviceName[64];
    IMA_BOOL osParallelIdsValid;
    IMA_UINT32 osBusNumber;
    IMA_UINT32 osTargetId;
    IMA_UINT32 osLun;
    IMA_BYTE reserved[128];
} IMA_LU_PROPERTIES;

typedef struct _IMA_SESSION_PROPERTIES {
    IMA_OID associatedLhbaOid;
    IMA_AUTHMETHOD authMethod;
    IMA_BOOL dataPduInOrder;
    IMA_BOOL dataSequenceInOrder;
    IMA_UINT16 defaultTime2Retain;
    IMA_UINT16 defaultTime2Wait;
    IMA_UINT16 errorRecoveryLevel;
    IMA_UINT32 firstBurstLength;
    IMA_BOOL immediateData;
    IMA_BOOL initialR2T;
    IMA_BYTE isid[6];
    IMA_UINT32 maxBurstLength;
    IMA_UINT16 maxConnections;
    IMA_UINT16 maxOutstandingR2T;
    IMA_UINT16 targetPortalGroupTag;
    IMA_UINT16 tsih;
} IMA_SESSION_PROPERTIES;

typedef struct _IMA_CONNECTION_PROPERTIES {
    IMA_OID associatedSessionOid;
    IMA_UINT16 connectionId;
    IMA_DIGEST_TYPE dataDigest;
    IMA_DIGEST_TYPE headerDigest;
    IMA_BOOL ifMarker;
    IMA_UINT32 ifMarkInt;
    IMA_UINT32 maxRecvDataSegmentLength;
    IMA_UINT32 maxTransmitDataSegmentLength;
    IMA_BOOL ofMarker;
    IMA_UINT32 ofMarkInt;
} IMA_CONNECTION_PROPERTIES;

typedef struct _IMA_STATISTICS_PROPERTIES {
    IMA_BOOL statisticsCollectionSettable;
    IMA_BOOL statisticsCollectionEnabled;
} IMA_STATISTICS_PROPERTIES;

typedef struct _IMA_DEVICE_STATISTICS {
    IMA_UINT64 scsiPayloadBytesSent;
    IMA_UINT64 scsiPayloadBytesReceived;
    IMA_UINT64 iScsiPduBytesSent;
    IMA_UINT64 iScsiPduBytesReceived;
    IMA_UINT64 iScsiPdusSent;
    IMA_UINT64 iScsiPdusReceived;
    IMA_UINT64 millisecondsSpentSending;
    IMA_UINT64 millisecondsSpentReceiving;
} IMA_DEVICE_STATISTICS;

/* ---- Parameter value holders ---- */
typedef struct _IMA_MIN_MAX_VALUE {
    IMA_BOOL currentValueValid;
    IMA_BOOL settable;
    IMA_UINT32 currentValue;
    IMA_UINT32 defaultValue;
    IMA_UINT32 minimumValue;
    IMA_UINT32 maximumValue;
    IMA_UINT32 incrementValue;
} IMA_MIN_MAX_VALUE;

typedef struct _IMA_BOOL_VALUE {
    IMA_BOOL currentValueValid;
    IMA_BOOL settable;
    IMA_BOOL currentValue;
    IMA_BOOL defaultValue;
} IMA_BOOL_VALUE;

/* ---- Authentication ---- */
typedef struct _IMA_CHAP_INITIATOR_AUTHPARMS {
    IMA_UINT retries;
    IMA_BYTE name[512];
    IMA_UINT nameLength;
    IMA_UINT minValueLength;
    IMA_UINT maxValueLength;
    IMA_BYTE challengeSecret[256];
    IMA_UINT challengeSecretLength;
    IMA_BYTE reserved[512];
} IMA_CHAP_INITIATOR_AUTHPARMS;

typedef struct _IMA_SRP_INITIATOR_AUTHPARMS {
    IMA_BYTE userName[512];
    IMA_UINT userNameLength;
    IMA_BYTE reserved[512];
} IMA_SRP_INITIATOR_AUTHPARMS;

typedef struct _IMA_KRB5_INITIATOR_AUTHPARMS {
    IMA_BYTE clientKey[1024];
    IMA_UINT clientKeyLength;
    IMA_BYTE reserved[2048];
} IMA_KRB5_INITIATOR_AUTHPARMS;

typedef struct _IMA_SPKM_INITIATOR_AUTHPARMS {
    IMA_BYTE privateKey[4096];
    IMA_UINT privateKeyLength;
    IMA_BYTE publicKey[4096];
    IMA_UINT publicKeyLength;
    IMA_BYTE reserved[4096];
} IMA_SPKM_INITIATOR_AUTHPARMS;

typedef union _IMA_INITIATOR_AUTHPARMS {
    IMA_CHAP_INITIATOR_AUTHPARMS chapParms;
    IMA_SRP_INITIATOR_AUTHPARMS srpParms;
    IMA_KRB5_INITIATOR_AUTHPARMS kerberosParms;
    IMA_SPKM_INITIATOR_AUTHPARMS spkmParms;
} IMA_INITIATOR_AUTHPARMS;

/* ---- PROVISIONAL types of the later calls (no published layout; see top of file) ---- */
typedef IMA_INITIATOR_AUTHPARMS IMA_TARGET_AUTHPARMS;

typedef struct _IMA_TARGET_AUTHPARMS_LIST {
    IMA_UINT count;
    IMA_TARGET_AUTHPARMS parms[1];
} IMA_TARGET_AUTHPARMS_LIST;

typedef struct _IMA_DIGEST_PROPERTIES {
    IMA_BOOL headerDigestsSettable;
    IMA_BOOL dataDigestsSettable;
    IMA_BYTE reserved[64];
} IMA_DIGEST_PROPERTIES;

typedef struct _IMA_MARKER_INT {
    IMA_UINT32 minimum;
    IMA_UINT32 maximum;
} IMA_MARKER_INT;

/* ---- Sun tunable extension ---- */
typedef enum {
    ISCSI_RX_TIMEOUT_VALUE = 1,
    ISCSI_CONN_DEFAULT_LOGIN_MAX = 2,
    ISCSI_LOGIN_POLLING_DELAY = 3
} ISCSI_TUNABLE_OBJECT_TYPE;

typedef struct _ISCSI_TUNABLE_PARAM {
    ISCSI_TUNABLE_OBJECT_TYPE tunable_objectType;
    IMA_CHAR *tunable_objectValue;
} ISCSI_TUNABLE_PARAM;

/* ---- Callbacks ---- */
typedef void (*IMA_OBJECT_VISIBILITY_FN)(IMA_BOOL becomingVisible, IMA_OID oid);
typedef void (*IMA_OBJECT_PROPERTY_FN)(IMA_OID oid);

/* ---- 2.1 Library, plugin, memory ---- */
IMA_STATUS IMA_GetLibraryProperties(IMA_LIBRARY_PROPERTIES *pProps);
IMA_STATUS IMA_GetPluginOidList(IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetPluginProperties(IMA_OID pluginOid, IMA_PLUGIN_PROPERTIES *pProps);
IMA_STATUS IMA_GetAssociatedPluginOid(IMA_OID oid, IMA_OID *pPluginOid);
IMA_STATUS IMA_GetObjectType(IMA_OID oid, IMA_OBJECT_TYPE *pObjectType);
IMA_STATUS IMA_PluginIOCtl(IMA_OID pluginOid, IMA_UINT command, const void *pInputBuffer,
    IMA_UINT inputBufferLength, void *pOutputBuffer, IMA_UINT *pOutputBufferLength);
IMA_STATUS IMA_FreeMemory(void *pMemory);

/* ---- 2.2 Nodes ---- */
IMA_STATUS IMA_GetSharedNodeOid(IMA_OID *pSharedNodeOid);
IMA_STATUS IMA_GetNonSharedNodeOidList(IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetNodeProperties(IMA_OID nodeOid, IMA_NODE_PROPERTIES *pProps);
/* The SNIA header spells the name parameters as arrays (const IMA_NODE_NAME / IMA_NODE_ALIAS);
 * they decay to the same pointer, which lets callers pass short literals without warnings. */
IMA_STATUS IMA_SetNodeName(IMA_OID nodeOid, const IMA_WCHAR *newName);
IMA_STATUS IMA_GenerateNodeName(IMA_NODE_NAME generatedName);
IMA_STATUS IMA_SetNodeAlias(IMA_OID nodeOid, const IMA_WCHAR *newAlias);

/* ---- 2.3 Logical HBA ---- */
IMA_STATUS IMA_GetLhbaOidList(IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetLhbaProperties(IMA_OID lhbaOid, IMA_LHBA_PROPERTIES *pProps);
IMA_STATUS IMA_RemoveStaleData(IMA_OID lhbaOid);
IMA_STATUS IMA_CommitHbaParameters(IMA_OID lhba, IMA_COMMIT_LEVEL commitLevel);

/* ---- 2.4 Physical HBA ---- */
IMA_STATUS IMA_GetPhbaOidList(IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetPhbaProperties(IMA_OID phbaOid, IMA_PHBA_PROPERTIES *pProps);
IMA_STATUS IMA_GetPhbaStatus(IMA_OID hbaOid, IMA_PHBA_STATUS *pStatus);
IMA_STATUS IMA_GetPhbaDownloadProperties(IMA_OID phbaOid, IMA_PHBA_DOWNLOAD_PROPERTIES *pProps);
IMA_STATUS IMA_IsPhbaDownloadFile(IMA_OID phbaOid, const IMA_WCHAR *pFileName,
    IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES *pProps);
IMA_STATUS IMA_PhbaDownload(IMA_OID phbaOid, IMA_PHBA_DOWNLOAD_IMAGE_TYPE imageType,
    const IMA_WCHAR *pFileName);
IMA_STATUS IMA_GetIpsecProperties(IMA_OID oid, IMA_IPSEC_PROPERTIES *pProps);

/* ---- 2.5 Network ports and portals ---- */
IMA_STATUS IMA_GetLnpOidList(IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetLnpProperties(IMA_OID lnpOid, IMA_LNP_PROPERTIES *pProps);
IMA_STATUS IMA_GetPnpOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetPnpProperties(IMA_OID pnpOid, IMA_PNP_PROPERTIES *pProps);
IMA_STATUS IMA_GetPnpStatistics(IMA_OID pnpOid, IMA_PNP_STATISTICS *pStats);
IMA_STATUS IMA_GetNetworkPortStatus(IMA_OID portOid, IMA_NETWORK_PORT_STATUS *pStatus);
IMA_STATUS IMA_GetNetworkPortalOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetNetworkPortalProperties(IMA_OID networkPortalOid,
    IMA_NETWORK_PORTAL_PROPERTIES *pProps);
IMA_STATUS IMA_SetNetworkPortalIpAddress(IMA_OID networkPortalOid, const IMA_IP_ADDRESS NewIpAddress);
IMA_STATUS IMA_GetIpProperties(IMA_OID oid, IMA_IP_PROPERTIES *pProps);
IMA_STATUS IMA_SetIpConfigMethod(IMA_OID oid, IMA_BOOL enableDhcpIpConfiguration);
IMA_STATUS IMA_SetSubnetMask(IMA_OID oid, IMA_IP_ADDRESS subnetMask);
IMA_STATUS IMA_SetDnsServerAddress(IMA_OID oid, const IMA_IP_ADDRESS *pPrimaryDnsServerAddress,
    const IMA_IP_ADDRESS *pAlternateDnsServerAddress);
IMA_STATUS IMA_SetDefaultGateway(IMA_OID oid, IMA_IP_ADDRESS defaultGateway);

/* ---- 2.6 Discovery ---- */
IMA_STATUS IMA_GetDiscoveryProperties(IMA_OID oid, IMA_DISCOVERY_PROPERTIES *pProps);
IMA_STATUS IMA_SetStaticDiscovery(IMA_OID oid, IMA_BOOL enableStaticDiscovery);
IMA_STATUS IMA_SetSendTargetsDiscovery(IMA_OID oid, IMA_BOOL enableSendTargetsDiscovery);
IMA_STATUS IMA_SetSlpDiscovery(IMA_OID oid, IMA_BOOL enableSlpDiscovery);
IMA_STATUS IMA_SetIsnsDiscovery(IMA_OID oid, IMA_BOOL enableIsnsDiscovery,
    IMA_ISNS_DISCOVERY_METHOD discoveryMethod, const IMA_HOST_ID *iSnsHost);
IMA_STATUS IMA_AddDiscoveryAddress(IMA_OID oid, const IMA_TARGET_ADDRESS discoveryAddress,
    IMA_OID *pDiscoveryAddressOid);
IMA_STATUS IMA_RemoveDiscoveryAddress(IMA_OID discoveryAddressOid);
IMA_STATUS IMA_GetDiscoveryAddressOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetDiscoveryAddressProperties(IMA_OID discoveryAddressOid,
    IMA_DISCOVERY_ADDRESS_PROPERTIES *pProps);
IMA_STATUS IMA_AddStaticDiscoveryTarget(IMA_OID oid,
    const IMA_STATIC_DISCOVERY_TARGET staticDiscoveryTarget, IMA_OID *pStaticDiscoveryTargetOid);
IMA_STATUS IMA_RemoveStaticDiscoveryTarget(IMA_OID staticDiscoveryTargetOid);
IMA_STATUS IMA_GetStaticDiscoveryTargetOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetStaticDiscoveryTargetProperties(IMA_OID staticDiscoveryTargetOid,
    IMA_STATIC_DISCOVERY_TARGET_PROPERTIES *pProps);

/* ---- 2.7 Targets ---- */
IMA_STATUS IMA_GetTargetOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetTargetProperties(IMA_OID targetOid, IMA_TARGET_PROPERTIES *pProps);
IMA_STATUS IMA_GetTargetErrorStatistics(IMA_OID targetOid, IMA_TARGET_ERROR_STATISTICS *pStats);
IMA_STATUS IMA_GetAddressKeys(IMA_OID targetOid, IMA_ADDRESS_KEYS **ppKeys);
IMA_STATUS IMA_GetAddressKeyProperties(IMA_OID targetOid, IMA_ADDRESS_KEY_PROPERTIES **ppProps);

/* ---- 2.8 Logical units ---- */
IMA_STATUS IMA_GetLuOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetLuOid(IMA_OID targetOid, IMA_UINT64 lun, IMA_OID *pluOid);
IMA_STATUS IMA_GetLuProperties(IMA_OID luOid, IMA_LU_PROPERTIES *pProps);
IMA_STATUS IMA_ExposeLu(IMA_OID luOid);
IMA_STATUS IMA_UnexposeLu(IMA_OID luOid);
IMA_STATUS IMA_LuInquiry(IMA_OID deviceOid, IMA_BOOL evpd, IMA_BOOL cmddt, IMA_BYTE pageCode,
    IMA_BYTE *pOutputBuffer, IMA_UINT *pOutputBufferLength, IMA_BYTE *pSenseBuffer,
    IMA_UINT *pSenseBufferLength);
IMA_STATUS IMA_LuReadCapacity(IMA_OID deviceOid, IMA_UINT cdbLength, IMA_BYTE *pOutputBuffer,
    IMA_UINT *pOutputBufferLength, IMA_BYTE *pSenseBuffer, IMA_UINT *pSenseBufferLength);
IMA_STATUS IMA_LuReportLuns(IMA_OID deviceOid, IMA_BOOL sendToWellKnownLun, IMA_BYTE selectReport,
    IMA_BYTE *pOutputBuffer, IMA_UINT *pOutputBufferLength, IMA_BYTE *pSenseBuffer,
    IMA_UINT *pSenseBufferLength);

/* ---- 2.9 Sessions and connections ---- */
IMA_STATUS IMA_GetSessionOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetSessionProperties(IMA_OID sessionOid, IMA_SESSION_PROPERTIES *pProps);
IMA_STATUS IMA_GetConnectionOidList(IMA_OID oid, IMA_OID_LIST **ppList);
IMA_STATUS IMA_GetConnectionProperties(IMA_OID connectionOid, IMA_CONNECTION_PROPERTIES *pProps);

/* ---- 2.10 Authentication ---- */
IMA_STATUS IMA_GetSupportedAuthMethods(IMA_OID lhbaOid, IMA_BOOL getSettableMethods,
    IMA_UINT *pMethodCount, IMA_AUTHMETHOD *pMethodList);
IMA_STATUS IMA_GetInUseInitiatorAuthMethods(IMA_OID lhbaOid, IMA_UINT *pMethodCount,
    IMA_AUTHMETHOD *pMethodList);
IMA_STATUS IMA_SetInitiatorAuthMethods(IMA_OID lhbaOid, IMA_UINT methodCount,
    const IMA_AUTHMETHOD *pMethodList);
IMA_STATUS IMA_GetInitiatorAuthParms(IMA_OID lhbaOid, IMA_AUTHMETHOD method,
    IMA_INITIATOR_AUTHPARMS *pParms);
IMA_STATUS IMA_SetInitiatorAuthParms(IMA_OID lhbaOid, IMA_AUTHMETHOD method,
    const IMA_INITIATOR_AUTHPARMS *pParms);

/* ---- 2.11 Login parameters (LHBA or target) ---- */
IMA_STATUS IMA_GetFirstBurstLengthProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetMaxBurstLengthProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetMaxRecvDataSegmentLengthProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetMaxConnectionsProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetDefaultTime2RetainProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetDefaultTime2WaitProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetMaxOutstandingR2TProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetErrorRecoveryLevelProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetInitialR2TProperties(IMA_OID oid, IMA_BOOL_VALUE *pProps);
IMA_STATUS IMA_GetImmediateDataProperties(IMA_OID oid, IMA_BOOL_VALUE *pProps);
IMA_STATUS IMA_GetDataPduInOrderProperties(IMA_OID oid, IMA_BOOL_VALUE *pProps);
IMA_STATUS IMA_GetDataSequenceInOrderProperties(IMA_OID oid, IMA_BOOL_VALUE *pProps);
IMA_STATUS IMA_SetFirstBurstLength(IMA_OID oid, IMA_UINT firstBurstLength);
IMA_STATUS IMA_SetMaxBurstLength(IMA_OID oid, IMA_UINT maxBurstLength);
IMA_STATUS IMA_SetMaxRecvDataSegmentLength(IMA_OID oid, IMA_UINT maxRecvDataSegmentLength);
IMA_STATUS IMA_SetMaxConnections(IMA_OID oid, IMA_UINT maxConnections);
IMA_STATUS IMA_SetDefaultTime2Retain(IMA_OID oid, IMA_UINT defaultTime2Retain);
IMA_STATUS IMA_SetDefaultTime2Wait(IMA_OID oid, IMA_UINT defaultTime2Wait);
IMA_STATUS IMA_SetMaxOutstandingR2T(IMA_OID oid, IMA_UINT maxOutstandingR2T);
IMA_STATUS IMA_SetErrorRecoveryLevel(IMA_OID oid, IMA_UINT errorRecoveryLevel);
IMA_STATUS IMA_SetInitialR2T(IMA_OID oid, IMA_BOOL initialR2T);
IMA_STATUS IMA_SetImmediateData(IMA_OID oid, IMA_BOOL immediateData);
IMA_STATUS IMA_SetDataPduInOrder(IMA_OID oid, IMA_BOOL dataPduInOrder);
IMA_STATUS IMA_SetDataSequenceInOrder(IMA_OID oid, IMA_BOOL dataSequenceInOrder);

/* ---- 2.12 Statistics ---- */
IMA_STATUS IMA_GetStatisticsProperties(IMA_OID oid, IMA_STATISTICS_PROPERTIES *pProps);
IMA_STATUS IMA_SetStatisticsCollection(IMA_OID oid, IMA_BOOL enableStatisticsCollection);
IMA_STATUS IMA_GetDeviceStatistics(IMA_OID oid, IMA_DEVICE_STATISTICS *pStats);

/* ---- 2.13 Events ---- */
IMA_STATUS IMA_RegisterForObjectVisibilityChanges(IMA_OBJECT_VISIBILITY_FN pClientFn);
IMA_STATUS IMA_DeregisterForObjectVisibilityChanges(IMA_OBJECT_VISIBILITY_FN pClientFn);
IMA_STATUS IMA_RegisterForObjectPropertyChanges(IMA_OBJECT_PROPERTY_FN pClientFn);
IMA_STATUS IMA_DeregisterForObjectPropertyChanges(IMA_OBJECT_PROPERTY_FN pClientFn);

/* ---- Later calls (docs/ima-notes.md 2.14): digests, markers, local and mutual auth ---- */
IMA_STATUS IMA_GetHeaderDigestValues(IMA_OID oid, IMA_UINT *pDigestValueCount,
    IMA_DIGEST_TYPE *pDigestValueList);
IMA_STATUS IMA_SetHeaderDigestValues(IMA_OID oid, IMA_UINT digestValueCount,
    const IMA_DIGEST_TYPE *pDigestValueList);
IMA_STATUS IMA_GetDataDigestValues(IMA_OID oid, IMA_UINT *pDigestValueCount,
    IMA_DIGEST_TYPE *pDigestValueList);
IMA_STATUS IMA_SetDataDigestValues(IMA_OID oid, IMA_UINT digestValueCount,
    const IMA_DIGEST_TYPE *pDigestValueList);
IMA_STATUS IMA_GetDigestProperties(IMA_OID oid, IMA_DIGEST_PROPERTIES *pProps);
IMA_STATUS IMA_GetIFMarkerProperties(IMA_OID oid, IMA_BOOL_VALUE *pProps);
IMA_STATUS IMA_SetIFMarkerProperties(IMA_OID oid, IMA_BOOL ifMarker);
IMA_STATUS IMA_GetOFMarkerProperties(IMA_OID oid, IMA_BOOL_VALUE *pProps);
IMA_STATUS IMA_SetOFMarkerProperties(IMA_OID oid, IMA_BOOL ofMarker);
IMA_STATUS IMA_GetIFMarkIntProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_GetOFMarkIntProperties(IMA_OID oid, IMA_MIN_MAX_VALUE *pProps);
IMA_STATUS IMA_SetIFMarkIntProperties(IMA_OID oid, IMA_MARKER_INT ifMarkInt);
IMA_STATUS IMA_SetOFMarkIntProperties(IMA_OID oid, IMA_MARKER_INT ofMarkInt);
IMA_STATUS IMA_GetInitiatorLocalAuthParms(IMA_OID oid, IMA_AUTHMETHOD method,
    IMA_INITIATOR_AUTHPARMS *pParms, IMA_BOOL *enabled);
IMA_STATUS IMA_SetInitiatorLocalAuthParms(IMA_OID oid, IMA_AUTHMETHOD method,
    const IMA_INITIATOR_AUTHPARMS *pParms, IMA_BOOL enabled);
IMA_STATUS IMA_GetMutualLocalAuthParms(IMA_OID oid, IMA_AUTHMETHOD method,
    IMA_TARGET_AUTHPARMS *pParms);
IMA_STATUS IMA_SetMutualLocalAuth(IMA_OID oid, IMA_AUTHMETHOD method, IMA_BOOL mutualAuthEnabled);
IMA_STATUS IMA_SetMutualLocalAuthParms(IMA_OID oid, IMA_AUTHMETHOD method,
    const IMA_TARGET_AUTHPARMS *pParms, IMA_BOOL mutualAuthEnabled);
IMA_STATUS IMA_AddLhbaMutualAuthParms(IMA_OID lhbaOid, IMA_AUTHMETHOD method,
    IMA_TARGET_AUTHPARMS parms);
IMA_STATUS IMA_RemoveLhbaMutualAuthParms(IMA_OID lhbaOid, IMA_AUTHMETHOD method,
    IMA_TARGET_AUTHPARMS parms);
IMA_STATUS IMA_GetLhbaMutualAuthParmsList(IMA_OID lhbaOid, IMA_AUTHMETHOD method,
    IMA_TARGET_AUTHPARMS_LIST **ppParmsList);

/* ---- 2.14 Sun extension ---- */
IMA_STATUS SUN_IMA_GetTunableProperties(IMA_OID oid, ISCSI_TUNABLE_PARAM *param);
IMA_STATUS SUN_IMA_SetTunableProperties(IMA_OID oid, ISCSI_TUNABLE_PARAM *param);

#ifdef __cplusplus
}
#endif

#endif /* IMA_H */
