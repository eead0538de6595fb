//! How the app starts, decided from its arguments, settings and environment before anything runs: which screen
//! opens, and which backend the till talks to (the demo's sidecar, or the configured one).

use crate::settings::Settings;

/// How the window was asked to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Cashier,
    Kiosk,
    Admin,
}

impl View {
    /// `--admin` wins over kiosk (an admin opening the admin screen on a kiosk machine); `--kiosk` or the
    /// settings' `kiosk` make a kiosk; otherwise the cashier's till.
    pub fn from_args(args: &[String], settings: &Settings) -> Self {
        if args.iter().any(|a| a == "--admin") {
            Self::Admin
        } else if args.iter().any(|a| a == "--kiosk") || settings.kiosk {
            Self::Kiosk
        } else {
            Self::Cashier
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cashier => "cashier",
            Self::Kiosk => "kiosk",
            Self::Admin => "admin",
        }
    }
}

/// The terminal name a demo till uses: the sidecar's own token is made for it.
pub const DEMO_TERMINAL: &str = "till";

/// Which backend the till talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// No backend configured: the app starts its own, with the simulator, as a sidecar, on these loopback ports
    /// (chosen before the window opens: its CSP names them).
    Demo { backend_port: u16, sim_port: u16 },
    /// A backend of the shop's, with this terminal's token (and an admin token for money-moving actions).
    Configured {
        url: String,
        origin: String,
        /// None: the app still opens, and says on its screen what is missing.
        terminal_token: Option<String>,
        admin_token: Option<String>,
        terminal: String,
    },
}

impl Connection {
    /// `terminal_name`: `KASSA_TERMINAL_NAME`, the name the backend's token was made under. `demo_ports` is
    /// asked only for a demo: the demo backend's port and the simulator's.
    pub fn from_settings(
        settings: &Settings,
        terminal_name: Option<String>,
        demo_ports: impl FnOnce() -> Result<(u16, u16), String>,
    ) -> Result<Self, String> {
        let Some(url) = settings.backend_url.clone() else {
            let (backend_port, sim_port) = demo_ports()?;
            return Ok(Self::Demo {
                backend_port,
                sim_port,
            });
        };
        let origin = crate::csp::origin_of(&url).ok_or_else(|| {
            format!("the backend URL {url:?} is not an http(s) URL (settings.json backend_url or KASSA_BACKEND_URL)")
        })?;
        Ok(Self::Configured {
            url,
            origin,
            terminal_token: settings.terminal_token.clone(),
            admin_token: settings.admin_token.clone(),
            terminal: terminal_name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| DEMO_TERMINAL.to_owned()),
        })
    }

    /// The terminal token of a configured backend, or what the screen says is missing.
    pub fn terminal_token(&self) -> Result<&str, String> {
        match self {
            Self::Configured {
                terminal_token: Some(t),
                ..
            } => Ok(t),
            _ => Err(
                "no terminal token in the settings: add terminal_token to settings.json or set \
                      KASSA_TERMINAL_TOKEN"
                    .to_owned(),
            ),
        }
    }

    /// What the UI is told: "demo" or "live" (a configured backend, whatever its Stripe mode).
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Demo { .. } => "demo",
            Self::Configured { .. } => "live",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        std::iter::once("kassa")
            .chain(a.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    fn no_ports() -> Result<(u16, u16), String> {
        panic!("a configured till needs no demo ports")
    }

    fn configured(url: &str, token: Option<&str>) -> Settings {
        Settings {
            backend_url: Some(url.into()),
            terminal_token: token.map(Into::into),
            ..Settings::default()
        }
    }

    #[test]
    fn the_view_is_the_cashiers_unless_asked_and_admin_wins_over_kiosk() {
        let plain = Settings::default();
        let kiosk = Settings {
            kiosk: true,
            ..Settings::default()
        };
        assert_eq!(View::from_args(&args(&[]), &plain), View::Cashier);
        assert_eq!(View::from_args(&args(&["--kiosk"]), &plain), View::Kiosk);
        assert_eq!(View::from_args(&args(&[]), &kiosk), View::Kiosk);
        assert_eq!(View::from_args(&args(&["--admin"]), &kiosk), View::Admin);
        assert_eq!(
            View::from_args(&args(&["--kiosk", "--admin"]), &plain),
            View::Admin
        );
        assert_eq!(
            View::from_args(&args(&["kiosk"]), &plain),
            View::Cashier,
            "only the flag counts"
        );
    }

    #[test]
    fn without_a_backend_url_the_till_runs_the_demo() {
        let c = Connection::from_settings(&Settings::default(), Some("till-9".into()), || {
            Ok((4242, 4321))
        })
        .unwrap();
        assert_eq!(
            c,
            Connection::Demo {
                backend_port: 4242,
                sim_port: 4321
            }
        );
        assert_eq!(c.mode(), "demo");
    }

    #[test]
    fn a_configured_backend_needs_an_http_url_and_a_terminal_token() {
        let no_token =
            Connection::from_settings(&configured("https://kassa.shop:4242", None), None, no_ports)
                .unwrap();
        assert!(
            no_token
                .terminal_token()
                .unwrap_err()
                .contains("terminal_token"),
            "said on the screen"
        );
        let bad_url =
            Connection::from_settings(&configured("ftp://kassa.shop", Some("t")), None, no_ports);
        assert!(bad_url.unwrap_err().contains("backend_url"));

        let c = Connection::from_settings(
            &configured("https://kassa.shop:4242/", Some("tok")),
            None,
            no_ports,
        )
        .unwrap();
        assert_eq!(c.mode(), "live");
        assert_eq!(c.terminal_token(), Ok("tok"));
        let Connection::Configured {
            origin, terminal, ..
        } = c
        else {
            panic!("{c:?}")
        };
        assert_eq!(origin, "https://kassa.shop:4242");
        assert_eq!(terminal, DEMO_TERMINAL, "without KASSA_TERMINAL_NAME");
    }

    #[test]
    fn a_configured_till_takes_its_terminal_name_from_the_environment() {
        let c = Connection::from_settings(
            &configured("http://10.0.0.2:4242", Some("tok")),
            Some("till-2".into()),
            no_ports,
        )
        .unwrap();
        assert!(
            matches!(c, Connection::Configured { ref terminal, .. } if terminal == "till-2"),
            "{c:?}"
        );
        let empty = Connection::from_settings(
            &configured("http://10.0.0.2:4242", Some("tok")),
            Some(String::new()),
            no_ports,
        )
        .unwrap();
        assert!(
            matches!(empty, Connection::Configured { ref terminal, .. } if terminal == DEMO_TERMINAL)
        );
    }
}
