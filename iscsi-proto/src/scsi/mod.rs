//! The SCSI layer, independent of iSCSI: CDB builders, status, sense data and the parsers of
//! common responses (INQUIRY, READ CAPACITY, REPORT LUNS).
