//! Files for publishing to a static host: `sitemap.xml` and `robots.txt`, with absolute URLs.

use std::fmt::Write as _;

use crate::content::urls::encode_path;
use crate::guide::outputs::xml_escape;
use crate::site::Site;

/// Every page URL of the site, sorted: content pages, version pages and path views.
pub fn page_urls(site: &Site) -> Vec<String> {
    let mut urls: Vec<String> = site.pages.iter().map(|p| p.url.clone()).collect();
    for guide in &site.guides {
        urls.push(guide.path_url());
        urls.extend(guide.versions.iter().map(|v| v.url.clone()));
    }
    urls.sort();
    urls
}

/// `sitemap.xml` (sitemaps.org protocol) listing every page under `base_url`.
pub fn sitemap(site: &Site, base_url: &str) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in page_urls(site) {
        let _ = writeln!(
            xml,
            "  <url><loc>{}</loc></url>",
            xml_escape(&format!("{base_url}{}", encode_path(&url)))
        );
    }
    xml.push_str("</urlset>\n");
    xml
}

/// `robots.txt` allowing everything and naming the sitemap.
pub fn robots(base_url: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {base_url}sitemap.xml\n")
}
