//! The page's view keys: how a link is shown, never what it runs. `present=1` (presenter mode),
//! `embed=1` (just the stage, the player and the caption, for an iframe), `theme=dark|light`
//! (overrides the reader's own choice) and `lang=en|zh` (the page's language, over the reader's
//! choice and the browser's). Every lab's decoder accepts them beside its own keys and
//! ignores them; the app reads them with [`read`] and keeps them in the address bar.

use super::ParamError;

/// The view keys, in the order links write them.
pub const KEYS: [&str; 4] = ["present", "embed", "theme", "lang"];

/// True for a view key (the scenario decoder leaves it to the app).
pub fn is_key(k: &str) -> bool {
    KEYS.contains(&k)
}

/// A colour theme forced by the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on a light page.
    Light,
    /// Light text on a dark page.
    Dark,
}

impl Theme {
    /// The link's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Reads a link's name.
    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// A language forced by the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English (the source text).
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    /// The link's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Reads a link's name.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }
}

/// How a link asks to be shown [all off, the reader's theme].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Presenter mode: large type, high contrast, the stage filling the screen.
    pub present: bool,
    /// Embed mode: just the stage, the player and the caption.
    pub embed: bool,
    /// A theme the link forces (`None`: the reader's choice or the system's).
    pub theme: Option<Theme>,
    /// A language the link forces (`None`: the reader's choice or the browser's).
    pub lang: Option<Lang>,
}

impl View {
    /// The view's keys as a query (`present=1&theme=dark`; empty when all are off).
    pub fn query(&self) -> String {
        let mut kv: Vec<String> = Vec::new();
        if self.present {
            kv.push("present=1".into());
        }
        if self.embed {
            kv.push("embed=1".into());
        }
        if let Some(t) = self.theme {
            kv.push(format!("theme={}", t.as_str()));
        }
        if let Some(l) = self.lang {
            kv.push(format!("lang={}", l.as_str()));
        }
        kv.join("&")
    }

    /// `query` (a link without view keys) followed by the view's keys.
    pub fn append_to(&self, query: &str) -> String {
        let v = self.query();
        match (query.is_empty(), v.is_empty()) {
            (_, true) => query.to_string(),
            (true, false) => v,
            (false, false) => format!("{query}&{v}"),
        }
    }
}

/// Reads the view keys of a link (full URL or query); a bad value is reported, naming its key,
/// and that key is left off.
pub fn read(link: &str) -> (View, Vec<ParamError>) {
    let query = link.split_once('?').map_or(link, |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    let mut view = View::default();
    let mut errors = Vec::new();
    let mut err = |param: &str, message: &str| {
        errors.push(ParamError {
            param: param.into(),
            message: message.into(),
        })
    };
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("present", "1") => view.present = true,
            ("embed", "1") => view.embed = true,
            ("present" | "embed", "0") => {}
            ("present", _) => err("present", "expected 0 or 1; presenter mode off"),
            ("embed", _) => err("embed", "expected 0 or 1; the whole page is shown"),
            ("theme", t) => match Theme::parse(t) {
                Some(t) => view.theme = Some(t),
                None => err(
                    "theme",
                    "expected dark or light; following your setting (or the system's)",
                ),
            },
            ("lang", l) => match Lang::parse(l) {
                Some(l) => view.lang = Some(l),
                None => err(
                    "lang",
                    "expected en or zh; following your setting (or the browser's language)",
                ),
            },
            _ => {}
        }
    }
    (view, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_keys_read_and_write_back() {
        let (v, e) = read("?lab=raft&present=1&theme=dark&seed=3&lang=zh");
        assert!(e.is_empty());
        assert_eq!(
            v,
            View {
                present: true,
                embed: false,
                theme: Some(Theme::Dark),
                lang: Some(Lang::Zh),
            }
        );
        assert_eq!(v.query(), "present=1&theme=dark&lang=zh");
        assert_eq!(
            v.append_to("lab=raft&v=1"),
            "lab=raft&v=1&present=1&theme=dark&lang=zh"
        );
        assert_eq!(View::default().append_to("lab=raft"), "lab=raft");
        let (e1, _) = read("embed=1&present=0");
        assert!(e1.embed && !e1.present);
    }

    #[test]
    fn a_bad_view_value_is_named_and_left_off() {
        let (v, e) = read("present=yes&embed=2&theme=blue&lang=fr");
        assert_eq!(v, View::default());
        let named: Vec<&str> = e.iter().map(|x| x.param.as_str()).collect();
        assert_eq!(named, ["present", "embed", "theme", "lang"]);
    }

    #[test]
    fn every_lab_decoder_accepts_view_keys() {
        let d = crate::scenario::decode("lab=raft&present=1&embed=0&theme=light&lang=zh");
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        for lab in crate::lab::LabKind::ALL {
            let d = crate::scenario::decode(&format!("lab={}&lang=en", lab.as_str()));
            assert!(d.errors.is_empty(), "{lab:?}: {:?}", d.errors);
        }
    }
}
