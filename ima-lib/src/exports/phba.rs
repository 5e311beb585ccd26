//! Physical HBA calls (docs/ima-notes.md §2.4).

use ima_abi::{
    IpsecProperties, Oid, PhbaDownloadImageProperties, PhbaDownloadImageType,
    PhbaDownloadProperties, PhbaProperties, PhbaStatus, WChar,
};

use ima_support::{check_range, non_null};

aggregate_list! {
    /// All PHBAs: every plugin once, lists concatenated.
    IMA_GetPhbaOidList(pp_list)
}

getter! {
    /// PHBA properties. ROUTE(PHBA).
    IMA_GetPhbaProperties(phba_oid, p_props: *mut PhbaProperties) [PHBA]
}

getter! {
    /// PHBA status. ROUTE(PHBA).
    IMA_GetPhbaStatus(phba_oid, p_status: *mut PhbaStatus) [PHBA]
}

getter! {
    /// Which images can be downloaded. ROUTE(PHBA).
    IMA_GetPhbaDownloadProperties(phba_oid, p_props: *mut PhbaDownloadProperties) [PHBA]
}

export! {
    /// Describes a firmware file. ROUTE(PHBA); both pointers non-NULL.
    fn IMA_IsPhbaDownloadFile(
        phba_oid: Oid,
        p_file_name: *const WChar,
        p_props: *mut PhbaDownloadImageProperties,
    ) {
        non_null(p_file_name, "pFileName")?;
        non_null(p_props, "pProps")?;
        route_call!(phba_oid, [PHBA], IMA_IsPhbaDownloadFile(phba_oid, p_file_name, p_props))
    }
}

export! {
    /// Flashes an image. ROUTE(PHBA); image type 0..=3, file name non-NULL.
    fn IMA_PhbaDownload(phba_oid: Oid, image_type: PhbaDownloadImageType, p_file_name: *const WChar) {
        check_range(image_type.is_defined(), "imageType")?;
        non_null(p_file_name, "pFileName")?;
        route_call!(phba_oid, [PHBA], IMA_PhbaDownload(phba_oid, image_type, p_file_name))
    }
}

getter! {
    /// IPsec support. ROUTE(PNP, LHBA).
    IMA_GetIpsecProperties(oid, p_props: *mut IpsecProperties) [PNP, LHBA]
}
