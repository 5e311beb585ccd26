//! The command window: CmdSN, ExpCmdSN and MaxCmdSN (RFC 7143 §4.2.2.1).

use crate::wire::CmdSn;

/// The initiator's view of the target's command window.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct CmdWindow {
    /// The CmdSN the next non-immediate command gets.
    next: CmdSn,
    exp_cmd_sn: CmdSn,
    max_cmd_sn: CmdSn,
}

impl CmdWindow {
    /// The window left by the final Login Response.
    pub(crate) fn new(next: CmdSn, exp_cmd_sn: CmdSn, max_cmd_sn: CmdSn) -> Self {
        Self {
            next,
            exp_cmd_sn,
            max_cmd_sn,
        }
    }

    /// The CmdSN the next non-immediate command gets; immediate PDUs carry it unchanged.
    pub(crate) fn next(&self) -> CmdSn {
        self.next
    }

    /// Whether a non-immediate command may be sent now: its CmdSN must not pass MaxCmdSN.
    /// A window with MaxCmdSN = ExpCmdSN − 1 is closed.
    pub(crate) fn is_open(&self) -> bool {
        self.next.le(self.max_cmd_sn)
    }

    /// Takes a CmdSN for a non-immediate command.
    pub(crate) fn take(&mut self) -> CmdSn {
        let sn = self.next;
        self.next = sn.next();
        sn
    }

    /// Applies ExpCmdSN and MaxCmdSN from a target PDU (RFC 7143 §4.2.2.1): when MaxCmdSN
    /// < ExpCmdSN − 1 both are ignored; otherwise each is adopted only if it is larger than
    /// the local value, so a stale PDU never shrinks the window.
    pub(crate) fn update(&mut self, exp_cmd_sn: CmdSn, max_cmd_sn: CmdSn) {
        if max_cmd_sn.lt(exp_cmd_sn.prev()) {
            return;
        }
        if exp_cmd_sn.gt(self.exp_cmd_sn) {
            self.exp_cmd_sn = exp_cmd_sn;
        }
        if max_cmd_sn.gt(self.max_cmd_sn) {
            self.max_cmd_sn = max_cmd_sn;
        }
    }

    /// ExpCmdSN as last seen.
    pub(crate) fn exp_cmd_sn(&self) -> CmdSn {
        self.exp_cmd_sn
    }

    /// MaxCmdSN as last seen.
    pub(crate) fn max_cmd_sn(&self) -> CmdSn {
        self.max_cmd_sn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sn(v: u32) -> CmdSn {
        CmdSn::new(v)
    }

    #[test]
    fn opens_and_closes() {
        let mut w = CmdWindow::new(sn(10), sn(10), sn(11));
        assert!(w.is_open());
        assert_eq!(w.take(), sn(10));
        assert_eq!(w.take(), sn(11));
        assert!(!w.is_open(), "12 is past MaxCmdSN 11");
        w.update(sn(12), sn(13));
        assert!(w.is_open());
    }

    #[test]
    fn zero_window_and_stale_updates() {
        // MaxCmdSN = ExpCmdSN - 1: closed.
        let mut w = CmdWindow::new(sn(5), sn(5), sn(4));
        assert!(!w.is_open());
        // A stale (smaller) MaxCmdSN never shrinks the window.
        w.update(sn(5), sn(9));
        w.update(sn(5), sn(7));
        assert_eq!(w.max_cmd_sn(), sn(9));
        // MaxCmdSN < ExpCmdSN - 1: both ignored.
        w.update(sn(20), sn(3));
        assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (sn(5), sn(9)));
    }

    #[test]
    fn wraps() {
        let mut w = CmdWindow::new(sn(u32::MAX), sn(u32::MAX), sn(1));
        assert_eq!(w.take(), sn(u32::MAX));
        assert_eq!(w.take(), sn(0));
        assert_eq!(w.take(), sn(1));
        assert!(!w.is_open());
        w.update(sn(2), sn(2));
        assert!(w.is_open());
    }
}
